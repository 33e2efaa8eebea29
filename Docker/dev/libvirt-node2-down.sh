#!/usr/bin/env bash
# libvirt-node2-down.sh DIR — stop the second libvirt node that libvirt-node2-up.sh DIR
# started, and nothing else: only the pids recorded in DIR/node2/run/libvirtd.pid and
# DIR/node2/run/virtlogd.pid, and only while they still are those programs. Then removes
# network namespace ferry-node2 and its veth pair; DIR/node2 (the node's domains and
# secrets) is kept for the next start. DIR may also be given as $FERRY_CLUSTER_DIR.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

NETNS=ferry-node2
HOST_LINK=ferrynode2-h

dir_arg=${1:-${FERRY_CLUSTER_DIR:-}}
[[ -n $dir_arg ]] || die "usage: ${0##*/} DIR   (or set FERRY_CLUSTER_DIR)"
if [[ ! -d $dir_arg/node2 ]]; then
    log "$dir_arg/node2 does not exist; nothing to stop"
    exit 0
fi
NODE=$(cd -- "$dir_arg/node2" && pwd -P)

if pid_alive "$NODE/run/libvirtd.pid" libvirtd; then
    running=$(timeout 10 virsh -c qemu+tcp://10.231.77.2/system list --name 2>/dev/null | sed '/^$/d' | tr '\n' ' ' || true)
    [[ -z $running ]] || log "warning: domains still running on node 2 (they lose their network namespace's name): $running"
fi
# libvirtd first: it is virtlogd's client.
stop_pidfile "$NODE/run/libvirtd.pid" libvirtd 30
stop_pidfile "$NODE/run/virtlogd.pid" virtlogd 30
# Deleting the namespace destroys its end of the veth pair, and with it ours.
if [[ -e /run/netns/$NETNS ]]; then
    ip netns delete "$NETNS"
fi
ip link delete "$HOST_LINK" 2>/dev/null || true
log "libvirt node 2 from $NODE stopped"
