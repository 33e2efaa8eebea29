# shellcheck shell=bash
# Shared helpers for the Docker/dev scripts. Source it; do not run it.
#
# Convention used by every script here: the only thing written to stdout is the
# final `export ...` line, so callers can `eval "$(script DIR)"`. Everything else,
# including errors, goes to stderr.

log() { printf '%s: %s\n' "${FERRY_SCRIPT:-${0##*/}}" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# dev_dir ARG — the cluster/runtime directory: the first argument, else
# $FERRY_CLUSTER_DIR. Created when missing and printed as an absolute path,
# because the daemons chdir("/") after forking and the conf must not contain
# relative paths.
dev_dir() {
    local dir=${1:-${FERRY_CLUSTER_DIR:-}}
    [[ -n $dir ]] || die "usage: ${0##*/} DIR   (or set FERRY_CLUSTER_DIR)"
    mkdir -p -- "$dir"
    (cd -- "$dir" && pwd -P)
}

# pid_alive PIDFILE PROGRAM — true when PIDFILE names a live process whose
# executable is PROGRAM. Checking the program, not just the pid, keeps a stale pid
# file (e.g. after a reboot, where the pid may now belong to something else) from
# being mistaken for a running daemon, and from making the down scripts kill an
# unrelated process. Zombies count as dead: without an init that reaps promptly
# (containers, this VM), a stopped daemon can linger as a zombie for a while.
pid_alive() {
    local pidfile=$1 program=$2 pid stat state comm exe
    # The daemon removes its pid file as it exits, possibly between our checks.
    pid=$(tr -dc '0-9' 2>/dev/null <"$pidfile") || return 1
    [[ -n $pid ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    # /proc/PID/stat is "pid (comm) state ..."; comm may contain spaces or ")".
    state=${stat##*) }
    state=${state%% *}
    [[ $state != [ZX] ]] || return 1
    if exe=$(readlink "/proc/$pid/exe" 2>/dev/null); then
        exe=${exe% (deleted)}
        [[ ${exe##*/} == "$program" ]]
    else
        # Still exiting: the exe link is gone once the memory is released, but
        # sockets and files may still be open. Identify it by comm (15 chars max).
        comm=${stat#*(}
        comm=${comm%)*}
        [[ $comm == "${program:0:15}" ]]
    fi
}

# pidfile_pid PIDFILE — the pid recorded in PIDFILE (digits only).
pidfile_pid() { tr -dc '0-9' 2>/dev/null <"$1" || true; }

# stop_pidfile PIDFILE PROGRAM [GRACE_SECONDS] — TERM the recorded process if it
# is still PROGRAM, wait up to GRACE_SECONDS (default 20), then KILL. Removes the
# pid file afterwards. Never signals anything that is not recorded in PIDFILE.
stop_pidfile() {
    local pidfile=$1 program=$2 grace=${3:-20} pid i
    [[ -e $pidfile ]] || return 0
    if ! pid_alive "$pidfile" "$program"; then
        rm -f -- "$pidfile"
        return 0
    fi
    pid=$(pidfile_pid "$pidfile")
    log "stopping $program (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        pid_alive "$pidfile" "$program" || break
        sleep 0.1
    done
    if pid_alive "$pidfile" "$program"; then
        log "$program (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            pid_alive "$pidfile" "$program" || break
            sleep 0.1
        done
    fi
    rm -f -- "$pidfile"
}

# wait_until TIMEOUT_SECONDS DESCRIPTION COMMAND... — poll COMMAND every 0.5 s.
wait_until() {
    local timeout=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            log "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep 0.5
    done
}

# show_log FILE [LINES] — the tail of a daemon log on stderr, for failure reports.
show_log() {
    local file=$1 lines=${2:-40}
    if [[ -f $file ]]; then
        log "---- last $lines lines of $file ----"
        tail -n "$lines" -- "$file" >&2 || true
        log "---- end of $file ----"
    else
        log "(no log file at $file)"
    fi
}

# lock_dir DIR NAME — serialize concurrent runs of the same up script on DIR (two
# test processes starting at once would otherwise both bootstrap a cluster or
# start a second libvirtd). The lock lives as long as the calling script.
lock_dir() {
    exec 9>"$1/.$2.lock"
    flock -w 300 9 || die "another $2 on $1 has held its lock for 5 minutes"
}

# Sets DIR for a -down script: its argument (or $FERRY_CLUSTER_DIR), resolved. Exits 0 when
# that folder does not exist: there is nothing to stop.
down_dir() {
    local arg=${1:-${FERRY_CLUSTER_DIR:-}}
    [[ -n $arg ]] || die "usage: ${0##*/} DIR   (or set FERRY_CLUSTER_DIR)"
    if [[ ! -d $arg ]]; then
        log "$arg does not exist; nothing to stop"
        exit 0
    fi
    DIR=$(cd -- "$arg" && pwd -P)
}
