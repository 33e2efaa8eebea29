#!/usr/bin/env bash
# nginx-up.sh DIR — start nginx in front of ferry-vcsim (vcsim-up.sh): TLS on three
# loopback ports, like a real ESXi/vCenter, proxying /sdk and /folder to the harness.
#
#   eval "$(bash Docker/dev/nginx-up.sh DIR)"
#
#   FERRY_VCSIM_SDK_URL     https://127.0.0.1:18443/sdk   plain
#   FERRY_VCSIM_SLOW_URL    https://127.0.0.1:18444/sdk   limit_rate per connection (40m)
#   FERRY_VCSIM_FAULTS_URL  https://127.0.0.1:18445/sdk   faults on /folder (never /sdk):
#                           503 + Retry-After, connections closed unanswered (444),
#                           bodies cut halfway
#
# Its own configuration, generated from Docker/dev/nginx/nginx.conf.in into DIR/nginx/;
# pid file DIR/run/nginx.pid, logs DIR/log/nginx-{access,error}.log; no system file is
# read or written, no port 80. A self-signed certificate (EC P-256, CN 127.0.0.1, SAN
# 127.0.0.1 and localhost) is made once, kept in DIR/nginx/cert.pem, and exported as
# FERRY_VCSIM_CA_FILE with its SHA-256 thumbprint (FERRY_VCSIM_THUMBPRINT, colon-separated
# upper-case hex, as vSphere shows it). Idempotent: when the recorded nginx runs, a
# changed configuration (e.g. another FERRY_NGINX_RATE) is reloaded, else only the exports
# are printed. Stop it with nginx-down.sh DIR. DIR may also be given as $FERRY_CLUSTER_DIR.
#
# Optional environment: FERRY_NGINX_PORT (18443), FERRY_NGINX_SLOW_PORT (18444),
# FERRY_NGINX_FAULTS_PORT (18445), FERRY_VCSIM_PORT (18989, the upstream),
# FERRY_NGINX_RATE (40m: bytes per second and connection, nginx units k/m),
# FERRY_NGINX_FAULT_503 (10), FERRY_NGINX_FAULT_DROP (5), FERRY_NGINX_FAULT_CUT (5):
# percentages of the faults port's /folder requests.
#
# stdout carries only `export ...` lines; progress and errors go to stderr.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

DIR=$(dev_dir "${1:-}")
lock_dir "$DIR" nginx-up
NGINX=$DIR/nginx
CONF=$NGINX/nginx.conf
PIDFILE=$DIR/run/nginx.pid
ERRLOG=$DIR/log/nginx-error.log
ACCESS_LOG=$DIR/log/nginx-access.log
PORT=${FERRY_NGINX_PORT:-18443}
SLOW_PORT=${FERRY_NGINX_SLOW_PORT:-18444}
FAULTS_PORT=${FERRY_NGINX_FAULTS_PORT:-18445}
VCSIM_PORT=${FERRY_VCSIM_PORT:-18989}
RATE=${FERRY_NGINX_RATE:-40m}
FAULT_503=${FERRY_NGINX_FAULT_503:-10}
FAULT_DROP=${FERRY_NGINX_FAULT_DROP:-5}
FAULT_CUT=${FERRY_NGINX_FAULT_CUT:-5}

[[ $(id -u) == 0 ]] || die "must run as root (nginx's master runs as root; see nginx.conf.in)"
for tool in nginx openssl curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found; run Docker/dev/install-deps.sh first"
done
[[ $RATE =~ ^[0-9]+[kKmM]?$ ]] || die "FERRY_NGINX_RATE=$RATE: a number of bytes per second, optionally with k or m"
python3 -c '
import sys
values = [float(v) for v in sys.argv[1:]]
assert all(0 <= v <= 100 for v in values) and sum(values) <= 100
' "$FAULT_503" "$FAULT_DROP" "$FAULT_CUT" 2>/dev/null ||
    die "FERRY_NGINX_FAULT_503/DROP/CUT ($FAULT_503, $FAULT_DROP, $FAULT_CUT): percentages adding up to 100 at most"
mkdir -p -- "$DIR/run" "$DIR/log" "$NGINX/tmp"

# --- certificate -------------------------------------------------------------------
# Self-signed, so it is its own CA file. 825 days and serverAuth: what Apple's TLS
# stack demands of any server certificate, harmless elsewhere.
if [[ ! -s $NGINX/cert.pem || ! -s $NGINX/key.pem ]]; then
    log "making a self-signed certificate for 127.0.0.1 in $NGINX"
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
            -subj "/CN=127.0.0.1/O=Ferry test vSphere" \
            -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            -addext "extendedKeyUsage=serverAuth" \
            -keyout "$NGINX/key.pem.tmp" -out "$NGINX/cert.pem.tmp" 2>/dev/null
        mv -f -- "$NGINX/key.pem.tmp" "$NGINX/key.pem"
    ) || die "openssl could not make the certificate"
    mv -f -- "$NGINX/cert.pem.tmp" "$NGINX/cert.pem"
    chmod 644 "$NGINX/cert.pem"
fi
THUMBPRINT=$(openssl x509 -in "$NGINX/cert.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
[[ $THUMBPRINT =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]] || die "unexpected thumbprint '$THUMBPRINT' of $NGINX/cert.pem"

# --- configuration -----------------------------------------------------------------
# split_clients refuses a 0% line: only the faults asked for get one.
split=""
for fault in "$FAULT_503 503" "$FAULT_DROP drop" "$FAULT_CUT cut"; do
    read -r percent name <<<"$fault"
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) <= 0)' "$percent" && split+="        $percent% $name;\n"
done
sed -e "s|@FAULT_SPLIT@|$split|" -e "s|@DIR@|$DIR|g" -e "s|@NGINX@|$NGINX|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@SLOW_PORT@|$SLOW_PORT|g" -e "s|@FAULTS_PORT@|$FAULTS_PORT|g" \
    -e "s|@VCSIM_PORT@|$VCSIM_PORT|g" -e "s|@RATE@|$RATE|g" \
    "$here/nginx/nginx.conf.in" >"$CONF.new"
! grep -q '@[A-Z_0-9]*@' "$CONF.new" || die "unfilled placeholder in $CONF.new"

check_conf() {
    nginx -t -q -c "$1" -e "$ERRLOG" 2>>"$ERRLOG" || {
        show_log "$ERRLOG" 10
        die "nginx rejects $1"
    }
}

answers() {
    local port
    for port in "$PORT" "$SLOW_PORT" "$FAULTS_PORT"; do
        curl -sS --max-time 5 -o /dev/null --cacert "$NGINX/cert.pem" "https://127.0.0.1:$port/sdk/vimServiceVersions.xml" || return 1
    done
}

if pid_alive "$PIDFILE" nginx; then
    if ! cmp -s "$CONF.new" "$CONF"; then
        check_conf "$CONF.new"
        mv -f -- "$CONF.new" "$CONF"
        log "configuration changed: reloading nginx (pid $(pidfile_pid "$PIDFILE"))"
        kill -HUP "$(pidfile_pid "$PIDFILE")"
        sleep 0.5
    else
        rm -f -- "$CONF.new"
        log "nginx from $DIR is already running (pid $(pidfile_pid "$PIDFILE"))"
    fi
else
    for port in "$PORT" "$SLOW_PORT" "$FAULTS_PORT"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            die "127.0.0.1:$port is already in use (another nginx-up.sh? nginx-down.sh its DIR, or set FERRY_NGINX_*PORT)"
        fi
    done
    check_conf "$CONF.new"
    mv -f -- "$CONF.new" "$CONF"
    log "starting nginx on 127.0.0.1:$PORT (TLS), :$SLOW_PORT (TLS, $RATE/s per connection), :$FAULTS_PORT (TLS, faults ${FAULT_503}% 503, ${FAULT_DROP}% dropped, ${FAULT_CUT}% cut) -> 127.0.0.1:$VCSIM_PORT"
    rm -f -- "$PIDFILE"
    # nginx daemonizes: the master writes the pid file once it listens.
    # 9>&-: the daemon must not inherit our lock (see lock_dir).
    nginx -c "$CONF" -e "$ERRLOG" </dev/null 2>>"$ERRLOG" 9>&- || {
        show_log "$ERRLOG" 20
        die "nginx failed to start"
    }
    wait_until 15 "nginx's pid file" pid_alive "$PIDFILE" nginx || {
        show_log "$ERRLOG" 20
        die "nginx did not start"
    }
fi
wait_until 15 "nginx to answer on its three ports" answers || {
    show_log "$ERRLOG" 20
    die "nginx does not answer"
}
status=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert "$NGINX/cert.pem" "https://127.0.0.1:$PORT/sdk/vimServiceVersions.xml" || true)
[[ $status == 200 ]] || log "warning: /sdk through nginx answers HTTP $status: is ferry-vcsim up (vcsim-up.sh)?"

printf 'export %s=%q\n' \
    FERRY_VCSIM_SDK_URL "https://127.0.0.1:$PORT/sdk" \
    FERRY_VCSIM_SLOW_URL "https://127.0.0.1:$SLOW_PORT/sdk" \
    FERRY_VCSIM_FAULTS_URL "https://127.0.0.1:$FAULTS_PORT/sdk" \
    FERRY_VCSIM_THUMBPRINT "$THUMBPRINT" \
    FERRY_VCSIM_CA_FILE "$NGINX/cert.pem" \
    FERRY_NGINX_ACCESS_LOG "$ACCESS_LOG"
log "nginx: certificate thumbprint $THUMBPRINT"
