#!/usr/bin/env bash
# api-conformance.sh — checks that `ferry serve` answers exactly as its OpenAPI document
# (Sources/FerryServer/Resources/openapi.yaml) says: starts a server on the local cluster
# with a throwaway queue namespace and admin token, queues a couple of jobs, and runs
# schemathesis (from PyPI, in the venv .build-venv) against the live server. Fails on any
# schemathesis failure. Needs a built ferry (FERRY_BINARY or .build/debug/ferry).
#
#   bash Docker/dev/api-conformance.sh
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=serve-lib.sh
. "$here/serve-lib.sh"

schemathesis_version=4.32.5
venv=$repo/.build-venv
work=$repo/.build-artifacts/api-conformance

if [[ -z ${CEPH_CONF:-} ]]; then
    eval "$(bash "$here/ceph-up.sh" "${FERRY_CLUSTER_DIR:-$repo/.build-cluster}")"
    export CEPH_CONF
fi

# Debian's python3 (python3-venv, see install-deps.sh): a venv of its own, reused across runs.
if [[ $("$venv/bin/schemathesis" --version 2>/dev/null) != *" $schemathesis_version" ]]; then
    log "installing schemathesis $schemathesis_version into $venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" >&2
fi

rm -rf -- "$work"
# The queue is only read and written here: no worker, so jobs stay as the checks leave them.
serve_start "$work" --no-workers </dev/null
trap 'serve_stop "$work"' EXIT

# Jobs for the read operations and the event stream to show.
submit_plan $'name: conformance\nvms:\n  - source: /nonexistent/api-a/api-a.vmx\n    pool: rbd\n  - source: /nonexistent/api-b/api-b.vmx\n    pool: rbd\n' >/dev/null

log "schemathesis $schemathesis_version against $FERRY_URL/openapi.yaml"
status=0
# From the work folder: schemathesis keeps its cache (.schemathesis/) in the current one.
cd "$work"
"$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$FERRY_URL/openapi.yaml" \
    --url "$FERRY_URL" \
    --header "Authorization: Bearer $FERRY_TOKEN" \
    --checks all \
    --workers 1 \
    --request-timeout 15 \
    --max-examples "${FERRY_API_EXAMPLES:-200}" \
    --report junit --report-dir "$work/report" \
    --no-color >&2 || status=$?
if ((status != 0)); then
    show_log "$work/serve.log" 30
    die "schemathesis found failures (exit $status); report in $work/report"
fi
log "the API conforms to its OpenAPI document"
