#!/usr/bin/env bash
# vcsim-up.sh DIR — start the vSphere simulator harness (ferry-vcsim: govmomi's vcsim
# with a control API, see Docker/dev/vcsim/README.md) on loopback, plain HTTP. nginx-up.sh
# puts TLS, rate caps and faults in front of it.
#
#   eval "$(bash Docker/dev/vcsim-up.sh DIR)"
#
# Builds the binary through vcsim-build.sh's cache, starts it in the background (pid
# file DIR/run/vcsim.pid, log DIR/log/vcsim.log), waits until its control API answers.
# The password is generated once into DIR/vcsim/password (mode 0600) and handed to
# the harness as a file, so it never shows in ps. The datastore LocalDS_0 is a fresh
# directory under DIR/vcsim/tmp at every start (VMs live in memory only: a restart
# forgets them, and their fixture files with them). Idempotent: when the recorded
# harness answers and runs the build of the current sources, only the exports are
# printed; an older build is restarted. Stop it with vcsim-down.sh DIR.
# DIR may also be given as $FERRY_CLUSTER_DIR.
#
# Optional environment: FERRY_VCSIM_PORT (18989), FERRY_VCSIM_CONTROL_PORT (18990),
# FERRY_VCSIM_MODEL (vpx: vCenter with datacenter DC0; esx: a standalone ESXi,
# ha-datacenter), FERRY_VCSIM_SESSION_IDLE (0: sessions never expire by themselves; a Go
# duration like 30s), FERRY_VCSIM_TIMEOUT (30 s to come up). Read when the harness starts.
#
# stdout carries only `export FERRY_VCSIM_...=...` lines; progress and errors go to stderr.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

DIR=$(dev_dir "${1:-}")
lock_dir "$DIR" vcsim-up
PORT=${FERRY_VCSIM_PORT:-18989}
CONTROL_PORT=${FERRY_VCSIM_CONTROL_PORT:-18990}
MODEL=${FERRY_VCSIM_MODEL:-vpx}
TIMEOUT=${FERRY_VCSIM_TIMEOUT:-30}
PIDFILE=$DIR/run/vcsim.pid
LOG=$DIR/log/vcsim.log
PASSWORD_FILE=$DIR/vcsim/password
CONTROL=http://127.0.0.1:$CONTROL_PORT

for tool in curl python3 setsid; do
    command -v "$tool" >/dev/null || die "$tool not found; run Docker/dev/install-deps.sh first"
done
mkdir -p -- "$DIR/run" "$DIR/log" "$DIR/vcsim"

info() { curl -fsS --max-time 5 "$CONTROL/info" 2>/dev/null; }
answers() { info >/dev/null; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A vCenter user looks like user@domain: clients must not break on the '@' (it is also
# the userinfo separator of a URL).
case $MODEL in
vpx) USER_NAME=ferry@vsphere.local ;;
esx) USER_NAME=root ;;
*) die "FERRY_VCSIM_MODEL=$MODEL: vpx or esx" ;;
esac

# Random, plus XML and URL metacharacters on purpose: a client that does not escape
# the password in its Login body (or a URL) fails here rather than on a customer's host.
if [[ ! -s $PASSWORD_FILE ]]; then
    (
        umask 077
        printf 'fv-%s&<>%%\n' "$(head -c 15 /dev/urandom | base64 | tr -d '/+=\n')" >"$PASSWORD_FILE.tmp"
        mv -f -- "$PASSWORD_FILE.tmp" "$PASSWORD_FILE"
    )
fi
chmod 600 "$PASSWORD_FILE"

# The binary for the current sources (cached: instant unless they changed).
bin=$(bash "$here/vcsim-build.sh")
running_bin() { readlink "/proc/$(pidfile_pid "$PIDFILE")/exe" 2>/dev/null; }

if pid_alive "$PIDFILE" ferry-vcsim && answers && [[ $(running_bin) == "$bin" ]]; then
    log "ferry-vcsim from $DIR is already running (pid $(pidfile_pid "$PIDFILE"))"
else
    if pid_alive "$PIDFILE" ferry-vcsim; then
        if [[ $(running_bin) != "$bin" ]]; then
            log "ferry-vcsim (pid $(pidfile_pid "$PIDFILE")) runs an older build; restarting it (its VMs are forgotten)"
        else
            log "ferry-vcsim (pid $(pidfile_pid "$PIDFILE")) is running but its control API does not answer; restarting it"
        fi
        stop_pidfile "$PIDFILE" ferry-vcsim 10
    fi
    for port in "$PORT" "$CONTROL_PORT"; do
        port_in_use "$port" && die "127.0.0.1:$port is already in use (another harness? vcsim-down.sh its DIR, or set FERRY_VCSIM_PORT/FERRY_VCSIM_CONTROL_PORT)"
    done
    # The datastore directory of the previous run, if it was killed before removing it.
    rm -rf -- "$DIR/vcsim/tmp"
    mkdir -p -- "$DIR/vcsim/tmp"
    log "starting ferry-vcsim ($MODEL) on 127.0.0.1:$PORT, control API on 127.0.0.1:$CONTROL_PORT"
    rm -f -- "$PIDFILE"
    # setsid: its own session, so it outlives this script and a Ctrl-C of the test run;
    # 9>&-: it must not inherit our lock (see lock_dir).
    TMPDIR=$DIR/vcsim/tmp setsid "$bin" \
        -listen "127.0.0.1:$PORT" -control "127.0.0.1:$CONTROL_PORT" -model "$MODEL" \
        -user "$USER_NAME" -password-file "$PASSWORD_FILE" \
        -session-idle-timeout "${FERRY_VCSIM_SESSION_IDLE:-0}" \
        </dev/null >>"$LOG" 2>&1 9>&- &
    echo $! >"$PIDFILE"
    wait_until "$TIMEOUT" "ferry-vcsim's control API" answers || {
        show_log "$LOG" 30
        die "ferry-vcsim did not come up"
    }
    pid_alive "$PIDFILE" ferry-vcsim || {
        show_log "$LOG" 30
        die "ferry-vcsim exited after starting (another harness on the ports?)"
    }
fi

info | python3 -c '
import json, shlex, sys
info = json.load(sys.stdin)
user, password_file, direct, control = sys.argv[1:5]
exports = {
    "FERRY_VCSIM_DIRECT_URL": direct,
    "FERRY_VCSIM_CONTROL_URL": control,
    "FERRY_VCSIM_USER": user,
    "FERRY_VCSIM_PASSWORD_FILE": password_file,
    "FERRY_VCSIM_DATACENTER": info["datacenter"],
    "FERRY_VCSIM_DATASTORE": info["datastore"],
    "FERRY_VCSIM_DATASTORE_DIR": info["datastoreDir"],
}
if info["user"] != user:
    sys.exit("ferry-vcsim runs with user %s, not %s: stop it with vcsim-down.sh first" % (info["user"], user))
for name, value in exports.items():
    print("export %s=%s" % (name, shlex.quote(value)))
' "$USER_NAME" "$PASSWORD_FILE" "http://127.0.0.1:$PORT/sdk" "$CONTROL"
log "ferry-vcsim: $(info | python3 -c 'import json, sys; i = json.load(sys.stdin); print("%s %s, datacenter %s, datastore %s at %s" % (i["apiType"], i["apiVersion"], i["datacenter"], i["datastore"], i["datastoreDir"]))')"
