#!/usr/bin/env bash
# vcsim-build.sh — build the vSphere simulator harness (Docker/dev/vcsim, Go, against
# Debian's golang-github-vmware-govmomi-dev in GOPATH mode, offline) and print the
# binary's path on stdout.
#
#   bin=$(bash Docker/dev/vcsim-build.sh)
#
# The binary is cached outside the clone, in ${FERRY_CACHE_DIR:-/var/cache/ferry}/vcsim-HASH/,
# HASH covering the Go sources, this script, the Go toolchain and the govmomi package
# version: CI runs in a fresh clone every time and reuses it (a cold build takes about
# 30 s on two cores, a cached one nothing). Go's own build cache lives beside it
# (go-build/), so a change to our sources alone rebuilds in seconds. The three most
# recent builds are kept.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

gocode=/usr/share/gocode
for tool in go sha256sum dpkg-query flock; do
    command -v "$tool" >/dev/null || die "$tool not found; run Docker/dev/install-deps.sh first"
done
[[ -d $gocode/src/github.com/vmware/govmomi/simulator ]] ||
    die "govmomi's simulator is not in $gocode; run Docker/dev/install-deps.sh first"

cache=${FERRY_CACHE_DIR:-/var/cache/ferry}
mkdir -p -- "$cache"
cache=$(cd -- "$cache" && pwd -P)

hash=$(
    cd "$here"
    sha256sum vcsim-build.sh vcsim/*.go
    go version
    dpkg-query -W golang-github-vmware-govmomi-dev golang-github-google-uuid-dev
)
hash=$(printf '%s\n' "$hash" | sha256sum | cut -c1-16)
out=$cache/vcsim-$hash
bin=$out/ferry-vcsim

if [[ ! -x $bin ]]; then
    # Two test runs starting at once build once.
    exec 8>"$cache/.vcsim-build.lock"
    flock -w 600 8 || die "another vcsim build has held $cache/.vcsim-build.lock for 10 minutes"
fi
if [[ ! -x $bin ]]; then
    log "building ferry-vcsim ($hash) into $out"
    tmp=$(mktemp -d "$cache/.vcsim-build.XXXXXX")
    trap 'rm -rf -- "$tmp"' EXIT
    started=$SECONDS
    # GOPATH mode: Debian ships govmomi and google/uuid as GOPATH sources, no module
    # proxy is reachable, and none is needed.
    (
        cd "$here/vcsim"
        GO111MODULE=off GOPROXY=off GOFLAGS=-trimpath GOPATH="$tmp/gopath:$gocode" \
            GOCACHE="$cache/go-build" go build -o "$tmp/ferry-vcsim" .
    ) >&2 || die "go build of Docker/dev/vcsim failed"
    mv -T -- "$tmp" "$out"
    trap - EXIT
    log "built in $((SECONDS - started)) s"
    # Keep the three most recent builds (another branch's may be wanted again).
    # shellcheck disable=SC2012
    ls -1dt -- "$cache"/vcsim-* 2>/dev/null | tail -n +4 | while read -r old; do
        rm -rf -- "$old"
    done
fi
# Most recently used first when pruning.
touch -- "$out" 2>/dev/null || true
printf '%s\n' "$bin"
