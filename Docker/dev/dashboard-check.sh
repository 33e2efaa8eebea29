#!/usr/bin/env bash
# dashboard-check.sh — loads the dashboard of a running `ferry serve` in headless Chromium
# with real jobs on it: one failed (its source does not exist), one importing a small
# VMware disk (throttled to 2 MiB/s, so it is mid-way) and one queued behind it. Saves a
# screenshot (.build-artifacts/dashboard.png), cancels the import with the page's Cancel
# button, and fails on any console error, uncaught exception or failed request of the page.
# Needs a built ferry (FERRY_BINARY or .build/debug/ferry), qemu-img and chromium.
#
#   bash Docker/dev/dashboard-check.sh
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=serve-lib.sh
. "$here/serve-lib.sh"

work=$repo/.build-artifacts/dashboard-check
screenshot=$repo/.build-artifacts/dashboard.png
cluster=${FERRY_CLUSTER_DIR:-$repo/.build-cluster}
ensure_daemons "$cluster"

rm -rf -- "$work"
vm=dash-$(uuidgen | cut -c1-8)
vmx=$(bash "$here/make-vm.sh" "$work/vm" "$vm" 48)

# One slot, so the second job of the wave waits; short leases, so a cancel lands in seconds.
serve_start "$work" <<'YAML'
workers:
  slots: 1
  lease_seconds: 6
limits:
  max_mib_per_second: 2
YAML

images=()
cleanup() {
    serve_stop "$work"
    local image
    for image in "${images[@]}"; do
        rbd snap purge "$image" >/dev/null 2>&1 || true
        rbd rm --no-progress "$image" >/dev/null 2>&1 || true
    done
    virsh undefine "$vm" >/dev/null 2>&1 || true
}
trap cleanup EXIT

job_ids() { python3 -c 'import json, sys; print(" ".join(job["id"] for job in json.load(sys.stdin)["jobs"]))'; }
# job_value ID EXPRESSION — a Python expression over the job record `job`, printed.
job_value() { api "$FERRY_URL/api/v1/jobs/$1" | python3 -c "import json, sys; job = json.load(sys.stdin); print($2)"; }
job_failed() { [[ $(job_value "$1" 'job["state"]') == failed ]]; }
job_importing() { [[ $(job_value "$1" 'job["state"] == "running" and sum(d["doneBytes"] for d in job["disks"]) > 0') == True ]]; }

failed=$(submit_plan $'name: wave-0\nvms:\n  - source: /nonexistent/legacy01/legacy01.vmx\n    pool: rbd\n' | job_ids)
wait_until 60 "job $failed to fail" job_failed "$failed"

read -r running queued < <(submit_plan "name: wave-1
vms:
  - source: $vmx
    pool: rbd
    priority: 90
  - source: /nonexistent/db01/db01.vmx
    pool: rbd
    priority: 10
" | job_ids)
images+=("rbd/$vm-disk0")
wait_until 60 "job $running to import" job_importing "$running"

log "loading $FERRY_URL/ in headless Chromium"
expect=$(printf '{"%s": "failed", "%s": "running", "%s": "queued"}' "$failed" "$running" "$queued")
if ! python3 "$here/dashboard-check.py" "$FERRY_URL" "$FERRY_TOKEN" "$screenshot" "$expect"; then
    show_log "$work/serve.log" 30
    die "the dashboard check failed"
fi
[[ $(job_value "$running" 'job["state"]') == cancelled ]] || die "job $running is not cancelled after the page's Cancel"
log "the dashboard works; screenshot in $screenshot"
