#!/usr/bin/env bash
# ceph-down.sh [--purge] DIR — stop the cluster that ceph-up.sh started in DIR.
#
# Signals only the processes recorded in DIR/run/{mon,mgr,osd}.*.pid, and only if
# each one still is the ceph daemon it claims to be (a stale pid may have been
# reused). SIGTERM, up to 30 s for a clean shutdown, then SIGKILL. Data is kept,
# so ceph-up.sh DIR brings the same cluster back; --purge removes DIR afterwards.
# DIR may also be given as $FERRY_CLUSTER_DIR.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

purge=false
dir_arg=""
for arg in "$@"; do
    case $arg in
    --purge) purge=true ;;
    -h | --help)
        sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
        exit 0
        ;;
    -*) die "unknown option $arg" ;;
    *)
        [[ -z $dir_arg ]] || die "usage: ${0##*/} [--purge] DIR"
        dir_arg=$arg
        ;;
    esac
done
dir_arg=${dir_arg:-${FERRY_CLUSTER_DIR:-}}
[[ -n $dir_arg ]] || die "usage: ${0##*/} [--purge] DIR   (or set FERRY_CLUSTER_DIR)"
if [[ ! -d $dir_arg ]]; then
    log "$dir_arg does not exist; nothing to stop"
    exit 0
fi
DIR=$(cd -- "$dir_arg" && pwd -P)

if $purge; then
    # rm -rf on a mistyped argument (the repository, $HOME) would be a disaster:
    # only delete directories ceph-up.sh has written its conf into.
    [[ -f $DIR/ceph.conf && $DIR != / ]] ||
        die "$DIR has no ceph.conf; refusing to --purge a directory ceph-up.sh did not create"
    # libvirt-up.sh may keep its pid files in the same DIR/run; deleting DIR under
    # a running libvirtd would orphan it (libvirt-down.sh could no longer find it).
    for pidfile in "$DIR/run/libvirtd.pid" "$DIR/run/virtlogd.pid"; do
        prog=${pidfile##*/}
        prog=${prog%.pid}
        if pid_alive "$pidfile" "$prog"; then
            die "$prog from $DIR is still running; run libvirt-down.sh $DIR before --purge"
        fi
    done
fi

# OSD first, mon last: the OSD reports its shutdown to the mon, and the mgr keeps
# talking to both; stopping the mon first only makes the others wait on timeouts.
shopt -s nullglob
for kind in osd mgr mon; do
    for pidfile in "$DIR/run/$kind".*.pid; do
        stop_pidfile "$pidfile" "ceph-$kind" 30
    done
done

if $purge; then
    log "removing $DIR"
    rm -rf -- "$DIR"
else
    log "cluster in $DIR stopped; data kept (use --purge to delete it)"
fi
