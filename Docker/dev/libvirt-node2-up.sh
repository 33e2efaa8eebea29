#!/usr/bin/env bash
# libvirt-node2-up.sh DIR — a second libvirt node on this machine, for tests that place
# VMs on two nodes: its own virtlogd and libvirtd in network namespace ferry-node2 and in
# a private mount namespace, reached over TCP like a remote KVM node.
#
#   eval "$(Docker/dev/libvirt-node2-up.sh DIR)"   # sets FERRY_NODE2_URI
#   virsh -c "$FERRY_NODE2_URI" version
#
# Network: a veth pair, $HOST_ADDR on this side ($HOST_LINK), $NODE_ADDR inside the
# namespace, where libvirtd listens on TCP port 16509 without authentication (fine on a
# link that exists only on this machine; never do this on a real network).
# Files: /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt are bind mounts of DIR/node2/root/…, so the node has its own domains,
# secrets and sockets; /etc/libvirt is seeded once from this host's top-level *.conf
# files. Pid files and daemon configs go to DIR/node2/run, daemon logs to DIR/node2/log.
# Needs libvirt-up.sh's system setup (accounts, /dev/kvm) — run that first — plus `ip`
# (iproute2) and `unshare` (util-linux). Must run as root. Idempotent: when the daemons
# recorded in DIR/node2/run are alive and answer it only verifies. Stop with
# libvirt-node2-down.sh DIR.
#
# stdout carries exactly one line, `export FERRY_NODE2_URI=qemu+tcp://10.231.77.2/system`;
# progress and errors go to stderr.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

NETNS=ferry-node2
HOST_LINK=ferrynode2-h
NODE_LINK=ferrynode2-ns
HOST_ADDR=10.231.77.1
NODE_ADDR=10.231.77.2
URI=qemu+tcp://$NODE_ADDR/system
TIMEOUT=${FERRY_LIBVIRT_TIMEOUT:-30}
# The paths the node gets its own copy of (bind-mounted from DIR/node2/root/…).
PRIVATE_PATHS=(/etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt)

# Second stage, run by the first inside `ip netns exec NETNS unshare --mount`: mount the
# node's own directories over libvirt's, then start the daemons. They stay in these
# namespaces; the mount namespace lives as long as they do.
if [[ ${1:-} == --inside-namespaces ]]; then
    NODE=$2
    for path in "${PRIVATE_PATHS[@]}"; do
        mkdir -p -- "$path"
        mount --bind "$NODE/root$path" "$path"
    done
    mkdir -p /run/libvirt/qemu /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/lib/libvirt/images \
        /var/cache/libvirt/qemu /etc/libvirt/qemu /etc/libvirt/secrets
    chmod 0711 /var/log/libvirt/qemu
    # 9>&-: the daemons must not inherit the first stage's lock (see lock_dir).
    virtlogd -d -f "$NODE/run/virtlogd.conf" -p "$NODE/run/virtlogd.pid" 2>>"$NODE/log/virtlogd.log" 9>&- ||
        die "virtlogd failed to start"
    wait_until "$TIMEOUT" "virtlogd's socket" test -S /run/libvirt/virtlogd-sock || die "virtlogd did not come up"
    # --listen: without systemd socket activation, libvirtd opens the TCP socket of
    # libvirtd.conf (listen_tcp) only when started with it.
    libvirtd -d --listen -f "$NODE/run/libvirtd.conf" -p "$NODE/run/libvirtd.pid" 2>>"$NODE/log/libvirtd.log" 9>&- ||
        die "libvirtd failed to start"
    exit 0
fi

DIR=$(dev_dir "${1:-}")
NODE=$DIR/node2
mkdir -p -- "$NODE"
lock_dir "$NODE" libvirt-node2-up

[[ $(id -u) == 0 ]] || die "must run as root (network namespaces, mounts and the system libvirtd)"
for tool in libvirtd virtlogd virsh ip unshare mount; do
    command -v "$tool" >/dev/null || die "$tool not found; run Docker/dev/install-deps.sh first"
done
getent passwd libvirt-qemu >/dev/null || die "no libvirt-qemu account; run Docker/dev/libvirt-up.sh $DIR first"

LIBVIRTD_PID=$NODE/run/libvirtd.pid
VIRTLOGD_PID=$NODE/run/virtlogd.pid

virsh_ok() { timeout 10 virsh -c "$URI" version >/dev/null 2>&1; }

# The namespace, the veth pair and both addresses; each step only when missing, so a
# half-built network (e.g. the namespace deleted by hand) is repaired.
ensure_network() {
    [[ -e /run/netns/$NETNS ]] || ip netns add "$NETNS"
    if ! ip netns exec "$NETNS" ip link show "$NODE_LINK" >/dev/null 2>&1; then
        # A host end without its peer belongs to a namespace that is gone.
        ip link delete "$HOST_LINK" 2>/dev/null || true
        log "creating veth $HOST_LINK ($HOST_ADDR) <-> $NODE_LINK ($NODE_ADDR) in netns $NETNS"
        ip link add "$HOST_LINK" type veth peer name "$NODE_LINK" netns "$NETNS"
    fi
    ip addr replace "$HOST_ADDR/24" dev "$HOST_LINK"
    ip link set "$HOST_LINK" up
    ip netns exec "$NETNS" ip addr replace "$NODE_ADDR/24" dev "$NODE_LINK"
    ip netns exec "$NETNS" ip link set "$NODE_LINK" up
    ip netns exec "$NETNS" ip link set lo up
}

ensure_dirs() {
    local path
    mkdir -p -- "$NODE/run" "$NODE/log"
    for path in "${PRIVATE_PATHS[@]}"; do mkdir -p -- "$NODE/root$path"; done
    # qemu.conf, libvirt.conf, … as on the host, but none of its domains or secrets.
    find /etc/libvirt -maxdepth 1 -type f -name '*.conf' -exec cp -n -t "$NODE/root/etc/libvirt" {} +
}

write_configs() {
    cat >"$NODE/run/virtlogd.conf" <<EOF
# Generated by Docker/dev/libvirt-node2-up.sh
log_outputs = "3:file:$NODE/log/virtlogd.log"
EOF
    cat >"$NODE/run/libvirtd.conf" <<EOF
# Generated by Docker/dev/libvirt-node2-up.sh
listen_tcp = 1
listen_tls = 0
listen_addr = "$NODE_ADDR"
auth_tcp = "none"
log_outputs = "3:file:$NODE/log/libvirtd.log"
EOF
}

# Both daemons must share one mount namespace (libvirtd reaches virtlogd through
# /run/libvirt/virtlogd-sock), so a node missing either is restarted as a whole.
start_node() {
    stop_pidfile "$LIBVIRTD_PID" libvirtd 30
    stop_pidfile "$VIRTLOGD_PID" virtlogd 30
    # /run is volatile: sockets and state of a previous start must not survive it.
    find "$NODE/root/run/libvirt" -mindepth 1 -delete
    write_configs
    log "starting virtlogd and libvirtd in netns $NETNS"
    ip netns exec "$NETNS" unshare --mount --propagation private -- \
        bash "$here/${0##*/}" --inside-namespaces "$NODE" || {
        show_log "$NODE/log/virtlogd.log"
        show_log "$NODE/log/libvirtd.log"
        die "the node's daemons failed to start"
    }
}

ensure_network
ensure_dirs
if pid_alive "$LIBVIRTD_PID" libvirtd && pid_alive "$VIRTLOGD_PID" virtlogd && virsh_ok; then
    log "libvirtd and virtlogd of $NODE are already running"
else
    start_node
fi
wait_until "$TIMEOUT" "libvirtd to answer on $URI" virsh_ok || {
    show_log "$NODE/log/libvirtd.log"
    die "libvirtd of $NODE does not answer on $URI"
}
pid_alive "$LIBVIRTD_PID" libvirtd || {
    show_log "$NODE/log/libvirtd.log"
    die "libvirtd of $NODE exited after starting"
}
log "$(virsh -c "$URI" version 2>/dev/null | sed -n 's/^Running hypervisor: //p') via $URI"
printf 'export FERRY_NODE2_URI=%s\n' "$URI"
