# lib.sh — what the benchmark scripts share. Source it from the repository's root; it
# starts (or finds) the local cluster, builds ferry in release mode, and sets
#   dir (the cluster folder), pool, ferry (the binary) and CEPH_CONF (exported).
# Needs the packages of Docker/dev/install-deps.sh.

log() { printf '%s\n' "$*" >&2; }

dir=${FERRY_CLUSTER_DIR:-$PWD/.build-cluster}
pool=${FERRY_BENCH_POOL:-rbd}
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin

eval "$(bash Docker/dev/ceph-up.sh "$dir")"
export CEPH_CONF
log "building ferry (release)"
swift build -c release --product ferry >&2
ferry=$PWD/.build/release/ferry

# Removes an image and its snapshots, if it exists.
remove_image() { rbd snap purge "$pool/$1" >/dev/null 2>&1 || true; rbd rm --no-progress "$pool/$1" >/dev/null 2>&1 || true; }
