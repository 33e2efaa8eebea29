#!/usr/bin/env bash
# install-deps.sh — install, on Debian 12 (bookworm) as root, every package that
# building Ferry and running the Docker/dev scripts need. The only script here
# that installs anything. Safe to re-run: it installs only what is missing, never
# upgrades what is already there, and does not touch apt at all when nothing is
# missing.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

[[ $(id -u) == 0 ]] || die "must run as root"
command -v apt-get >/dev/null || die "apt-get not found; this script targets Debian 12"

packages=(
    # Ceph 16.2 (Pacific): daemons for the dev cluster, CLI, and the C libraries
    # the Swift code links against.
    ceph-mon ceph-osd ceph-mgr ceph-common librados-dev librbd-dev
    # libvirt and QEMU. libvirt-daemon-system is deliberately absent: it pulls in
    # systemd units, polkit and the default NAT network (dnsmasq, iptables), none of
    # which a container needs; libvirt-up.sh does the few setup steps it would do.
    libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
    qemu-system-x86 qemu-block-extra qemu-utils ovmf
    # VMDK streamOptimized grains are deflate-compressed.
    libdeflate-dev pkg-config
    # OpenSSL's libcrypto for SHA digests (OVA manifests); xxHash for imported disks' content digests.
    libssl-dev libxxhash-dev
    # Used by the dev scripts: uuidgen (uuid-runtime), pgrep (procps), ip (iproute2: the
    # second test node's network namespace and veth pair, test bridges), unshare (util-linux:
    # that node's mount namespace), JSON parsing of `ceph status` (python3), numfmt/timeout
    # (coreutils), useradd (passwd), xxd for inspecting boot sectors and disk headers in tests.
    uuid-runtime procps iproute2 util-linux python3 coreutils passwd xxd
    # The VMX conformance tests read one zipped VMX of the peer data in place.
    unzip
    # The API checks: schemathesis runs from a venv (.build-venv) made with Debian's python3
    # (api-conformance.sh); headless Chromium loads the dashboard (dashboard-check.sh); curl
    # reads the event stream in the ServerTests and drives the API in those scripts.
    python3-venv chromium curl
    # Fetching Swift package dependencies.
    ca-certificates git
    # The vSphere test peer (vcsim-up.sh, nginx-up.sh): Go and govmomi 0.24.2's sources with
    # its simulator (Docker/dev/vcsim is built against them in GOPATH mode, offline), the
    # google/uuid sources it imports; nginx (Debian's, whose core modules have all we use:
    # ssl, map, split_clients, limit_rate, return 444; nginx-light is only a transitional
    # package in bookworm, and no libnginx-mod-* is needed) for TLS, rate caps and faults;
    # openssl for its certificate.
    golang-go golang-github-vmware-govmomi-dev golang-github-google-uuid-dev nginx openssl
)

# Nothing to do (the usual case on a re-run) means no apt-get at all: no network
# needed, and no waiting for package lists.
missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) || status=""
    [[ $status == installed ]] || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
    log "all ${#packages[@]} packages are installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
apt-get update -qq >&2
log "installing ${#missing[@]} missing packages: ${missing[*]}"
# --no-upgrade: packages already installed stay at their version.
# qemu-block-extra provides QEMU's rbd block driver (block-rbd.so); without it
# QEMU has no rbd block driver and every guest with an RBD disk fails to start.
apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >&2
# nginx-common's postinst starts the packaged nginx through invoke-rc.d unless a policy-rc.d
# forbids it (Debian's container images have one: "policy-rc.d denied execution of start");
# it would serve the default site on port 80. nginx-up.sh runs its own nginx with its own
# configuration, so stop a packaged one that this install has just started.
if [[ " ${missing[*]} " == *" nginx "* ]] && pid_alive /run/nginx.pid nginx; then
    log "stopping the nginx that the package's postinst started (port 80)"
    nginx -s quit -c /etc/nginx/nginx.conf 2>/dev/null || kill -QUIT "$(pidfile_pid /run/nginx.pid)" || true
fi
log "done"
