#!/usr/bin/env bash
# libvirt-down.sh DIR — stop the libvirtd and virtlogd that libvirt-up.sh DIR
# started, and nothing else: only the pids recorded in DIR/run/libvirtd.pid and
# DIR/run/virtlogd.pid, and only while they still are those programs.
#
# Running guests are not touched: QEMU processes outlive libvirtd, and a later
# libvirt-up.sh reconnects to them. (Their console/log output is written through
# virtlogd, so destroy test guests before stopping it.) DIR may also be given as
# $FERRY_CLUSTER_DIR.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

down_dir "${1:-}"

if pid_alive "$DIR/run/libvirtd.pid" libvirtd; then
    running=$(timeout 10 virsh -c qemu:///system list --name 2>/dev/null | sed '/^$/d' | tr '\n' ' ' || true)
    [[ -z $running ]] || log "warning: domains still running (left alone): $running"
fi

# libvirtd first: it is virtlogd's client, and on SIGTERM it finishes its
# in-flight RPC calls, which may need virtlogd.
stop_pidfile "$DIR/run/libvirtd.pid" libvirtd 30
stop_pidfile "$DIR/run/virtlogd.pid" virtlogd 30
log "libvirt from $DIR stopped"
