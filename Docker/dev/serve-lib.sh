# shellcheck shell=bash
# Helpers for the scripts that check `ferry serve` from outside (api-conformance.sh,
# dashboard-check.sh): a throwaway server on the local cluster with its own queue
# namespace, token file and admin token. Source it after lib.sh; do not run it.

# ferry_binary — the ferry executable under test: $FERRY_BINARY (test.sh sets it), else
# the debug build of this checkout.
ferry_binary() {
    local binary=${FERRY_BINARY:-$repo/.build/debug/ferry}
    [[ -x $binary ]] || die "no ferry binary at $binary: run 'swift build' first (or set FERRY_BINARY)"
    printf '%s\n' "$binary"
}

# ensure_daemons CLUSTER_DIR — starts the local cluster and libvirtd in CLUSTER_DIR unless
# CEPH_CONF / LIBVIRT_DEFAULT_URI already point at running ones (test.sh sets both).
ensure_daemons() {
    local dev
    dev=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
    if [[ -z ${CEPH_CONF:-} ]]; then
        eval "$(bash "$dev/ceph-up.sh" "$1")"
        export CEPH_CONF
    fi
    if [[ -z ${LIBVIRT_DEFAULT_URI:-} ]]; then
        eval "$(bash "$dev/libvirt-up.sh" "$1")"
        export LIBVIRT_DEFAULT_URI
    fi
}

# serve_start WORK [serve options...] — writes WORK/ferry.yaml (loopback, port chosen by
# the kernel, queue namespace unique to this run, plus any YAML on stdin), makes an admin
# token, starts `ferry serve` and waits until it listens. Sets FERRY_URL, FERRY_TOKEN and
# FERRY_QUEUE_NAMESPACE; the server's log is WORK/serve.log.
serve_start() {
    local work=$1 ferry extra
    shift
    ferry=$(ferry_binary)
    mkdir -p -- "$work"
    rm -f -- "$work/tokens" "$work/serve.out"
    FERRY_QUEUE_NAMESPACE=check-$(uuidgen | cut -c1-8)
    extra=$(cat)
    cat >"$work/ferry.yaml" <<YAML
queue:
  pool: rbd
  namespace: $FERRY_QUEUE_NAMESPACE
server:
  listen: 127.0.0.1:0
  token_file: $work/tokens
$extra
YAML
    FERRY_TOKEN=$("$ferry" token create --role admin --name check --file "$work/tokens")
    "$ferry" serve --config "$work/ferry.yaml" "$@" >"$work/serve.out" 2>"$work/serve.log" &
    echo $! >"$work/serve.pid"
    if ! wait_until 60 "ferry serve to listen" grep -q '^listening on ' "$work/serve.out"; then
        show_log "$work/serve.log"
        die "ferry serve did not start"
    fi
    FERRY_URL=$(sed -n 's/^listening on //p' "$work/serve.out")
    log "ferry serve listens on $FERRY_URL (queue rbd/$FERRY_QUEUE_NAMESPACE)"
}

# serve_stop WORK — SIGTERM (graceful: the worker drains), then removes the run's queue.
serve_stop() {
    local work=$1 object
    stop_pidfile "$work/serve.pid" ferry 60
    [[ -n ${FERRY_QUEUE_NAMESPACE:-} ]] || return 0
    rados -p rbd -N "$FERRY_QUEUE_NAMESPACE" ls 2>/dev/null | while read -r object; do
        rados -p rbd -N "$FERRY_QUEUE_NAMESPACE" rm "$object" || true
    done
}

# api CURL-ARGS... — curl against the server with the admin token; fails on HTTP errors.
api() {
    curl -sS --fail-with-body -H "Authorization: Bearer $FERRY_TOKEN" "$@"
}

# submit_plan YAML — POST a plan, print the created jobs' JSON.
submit_plan() {
    api -X POST -H 'Content-Type: application/yaml' --data-binary "$1" "$FERRY_URL/api/v1/plans"
}
