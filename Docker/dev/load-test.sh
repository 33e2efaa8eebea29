#!/usr/bin/env bash
# load-test.sh — JOBS small VMs (default 50) as one plan through `ferry serve`, run by two
# worker processes sharing the RADOS queue: the server's own worker and one `ferry worker`
# on the same configuration, two slots each. While they run, GET /api/v1/jobs is polled
# without pause (its latency recorded) and the peak RSS of both processes sampled.
#
# Fails unless: every job is done, each ran exactly once (attempt 1, one claim in its
# record, one "runs job" line in exactly one process's log, both processes ran some),
# every image is complete with its snapshot and its domain defined with that disk, a
# sample of images equals `qemu-img convert -O raw` of its VMDK, GET /api/v1/jobs always
# answered 200 and its p99 stayed under FERRY_LOAD_MAX_P99_MS, neither process grew past
# FERRY_LOAD_MAX_RSS_MIB, and both were alive at the end and exited 0 on SIGTERM.
# Prints a summary and writes it to .build-artifacts/load-test.txt. Removes everything it
# made (images and snapshots, domains, a libvirt secret it defined, the queue, files) even
# when it fails; on failure the process logs, job records, latencies and memory samples
# stay in .build-artifacts/load-test/.
# Needs a built ferry (FERRY_BINARY or .build/debug/ferry), qemu-img, curl, python3.
#
#   bash Docker/dev/load-test.sh [JOBS]
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=serve-lib.sh
. "$here/serve-lib.sh"

jobs=${1:-50}
if [[ ! $jobs =~ ^[0-9]+$ ]] || ((jobs < 2)); then
    die "usage: load-test.sh [JOBS]   (JOBS ≥ 2, so both workers get some)"
fi
# A few MiB of data per VM: the run measures the queue, the workers and the API, not librbd.
data_mib=${FERRY_LOAD_DATA_MIB:-4}
# Bounds of the checks. Each worker's import window is (16 writes + 2 readers) × 4 MiB =
# 72 MiB; with librados, libvirt and the Swift runtime both processes peaked at about
# 200 MiB over 150 jobs: a leak of 2.5 MiB per job crosses 320 MiB within 50. A stalled
# API answers in seconds or not at all; under this load its p99 is well under a second.
max_rss_mib=${FERRY_LOAD_MAX_RSS_MIB:-320}
max_p99_ms=${FERRY_LOAD_MAX_P99_MS:-2000}
samples=${FERRY_LOAD_SAMPLES:-5}
work=$repo/.build-artifacts/load-test
report=$repo/.build-artifacts/load-test.txt
cluster=${FERRY_CLUSTER_DIR:-$repo/.build-cluster}
ensure_daemons "$cluster"
ferry=$(ferry_binary)

rm -rf -- "$work"
mkdir -p -- "$work/vm"
run=load-$(uuidgen | cut -c1-8)
names=()
for ((i = 0; i < jobs; i++)); do names+=("$(printf '%s-%03d' "$run" "$i")"); done
# The cephx secret is one per cluster and user, shared with every other run: removed at
# the end only when this run is the one that defined it.
secret_list() { virsh secret-list 2>/dev/null | awk 'NR > 2 && NF { print $1 }' | sort; }
secret_list >"$work/secrets.before"

cleanup() {
    local status=$? name image secret
    trap - EXIT INT TERM
    touch "$work/stop"
    for pid in ${poller:-} ${sampler:-}; do wait "$pid" 2>/dev/null || true; done
    stop_pidfile "$work/worker.pid" ferry 60
    serve_stop "$work"
    for name in "${names[@]}"; do
        image=rbd/$name-disk0
        rbd snap purge "$image" >/dev/null 2>&1 || true
        rbd rm --no-progress "$image" >/dev/null 2>&1 || true
        virsh undefine "$name" >/dev/null 2>&1 || true
    done
    for secret in $(comm -13 "$work/secrets.before" <(secret_list)); do
        virsh secret-undefine "$secret" >/dev/null 2>&1 || true
    done
    if ((status == 0)); then
        rm -rf -- "$work"
    else
        # Keep what explains the failure; drop the VMs and exports (hundreds of MiB).
        find "$work" -mindepth 1 -maxdepth 1 ! -name '*.log' ! -name '*.txt' ! -name '*.jsonl' -exec rm -rf -- {} +
        log "logs kept in $work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "making $jobs VMs of $data_mib MiB in $work/vm"
plan="name: $run
defaults:
  pool: rbd
vms:
"
for ((i = 0; i < jobs; i++)); do
    vmx=$(bash "$here/make-vm.sh" "$work/vm/${names[i]}" "${names[i]}" "$data_mib")
    # make-vm.sh fills every disk with one pattern: a mark of its own at an offset of its
    # own makes each disk unique, so an image holding another job's data is caught.
    qemu-io -f vmdk -c "write -P $((i % 255 + 1)) $((data_mib * 1024 + i * 64))k 64k" "${vmx%.vmx}.vmdk" >/dev/null
    plan+="  - source: $vmx
"
done

# Two worker processes on one queue: the server's own worker (so the API answers while
# its process imports) and a `ferry worker` reading the same file.
serve_start "$work" <<'YAML'
workers:
  slots: 2
YAML
serve_pid=$(pidfile_pid "$work/serve.pid")
"$ferry" worker --config "$work/ferry.yaml" >"$work/worker.out" 2>"$work/worker.log" &
worker_pid=$!
echo "$worker_pid" >"$work/worker.pid"
wait_until 30 "ferry worker to start" grep -q 'started with' "$work/worker.log" || {
    show_log "$work/worker.log"
    die "ferry worker did not start"
}

# GET /api/v1/jobs back to back for the whole run: "START CODE SECONDS" per request; 000
# is no answer within 10 s.
(
    while [[ ! -e $work/stop ]]; do
        printf '%s ' "$EPOCHREALTIME"
        curl -sS -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' \
            -H "Authorization: Bearer $FERRY_TOKEN" "$FERRY_URL/api/v1/jobs" 2>/dev/null || echo
    done >"$work/latency.txt"
) &
poller=$!
# Resident memory of both processes twice a second: "SERVE_KIB WORKER_KIB".
(
    rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
    while [[ ! -e $work/stop ]]; do
        echo "$(rss "$serve_pid") $(rss "$worker_pid")"
        sleep 0.5
    done >"$work/rss.txt"
) &
sampler=$!

submit_plan "$plan" >"$work/submitted.json"
submitted=$(python3 -c 'import json, sys; print(len(json.load(sys.stdin)["jobs"]))' <"$work/submitted.json")
((submitted == jobs)) || die "the plan of $jobs VMs made $submitted job(s)"
log "submitted $jobs jobs as plan $run"

# all_final — true once no job of the plan is queued or running; logs progress.
all_final() {
    local counts
    counts=$(api "$FERRY_URL/api/v1/jobs?plan=$run" | python3 -c '
import collections, json, sys
states = collections.Counter(job["state"] for job in json.load(sys.stdin)["jobs"])
print(" ".join(f"{state}={count}" for state, count in sorted(states.items())))')
    [[ $counts != "${last_counts:-}" ]] && log "jobs: $counts"
    last_counts=$counts
    [[ $counts != *queued* && $counts != *running* ]]
}
deadline=$((SECONDS + 120 + jobs * 10))
until all_final; do
    ((SECONDS < deadline)) || die "the jobs did not all end within $((120 + jobs * 10)) s"
    for process in serve worker; do
        pid_alive "$work/$process.pid" ferry || { show_log "$work/$process.log"; die "ferry $process died during the run"; }
    done
    sleep 2
done
touch "$work/stop"
wait "$poller" "$sampler"

problems=()
# The kernel's high-water marks, read while both still run: the true peaks, not samples.
hwm() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$1/status" 2>/dev/null; }
serve_hwm=$(hwm "$serve_pid") worker_hwm=$(hwm "$worker_pid")
pid_alive "$work/serve.pid" ferry || problems+=("ferry serve died during the run")
pid_alive "$work/worker.pid" ferry || problems+=("ferry worker died during the run")

# Every job's full record, then stop both gracefully: the logs are complete after that.
for id in $(python3 -c 'import json, sys; print(" ".join(j["id"] for j in json.load(sys.stdin)["jobs"]))' <"$work/submitted.json"); do
    api "$FERRY_URL/api/v1/jobs/$id"
    echo
done >"$work/records.jsonl"
stop_pidfile "$work/worker.pid" ferry 60
wait "$worker_pid" && worker_exit=0 || worker_exit=$?
stop_pidfile "$work/serve.pid" ferry 60
wait "$serve_pid" && serve_exit=0 || serve_exit=$?
((worker_exit == 0)) || problems+=("ferry worker exited $worker_exit on SIGTERM")
((serve_exit == 0)) || problems+=("ferry serve exited $serve_exit on SIGTERM")

# Run once, by one worker: the job records against what each process logged.
mapfile -t found < <(python3 - "$work/records.jsonl" "$work/serve.log" "$work/worker.log" "$serve_pid" "$worker_pid" "$run" <<'PY'
import json, sys

records_file, serve_log, worker_log, serve_pid, worker_pid, run = sys.argv[1:]
jobs = [json.loads(line) for line in open(records_file) if line.strip()]
logs = {serve_pid: open(serve_log).read(), worker_pid: open(worker_log).read()}
ran = {serve_pid: 0, worker_pid: 0}
for job in jobs:
    jid = job["id"]
    where = f"job {jid} ({job.get('domain')})"
    if job["state"] != "done":
        print(f"{where} is {job['state']}: {job.get('error')}")
    if job["attempts"] != 1:
        print(f"{where} took {job['attempts']} attempts")
    messages = [entry["message"] for entry in job["log"]]
    claims = [m for m in messages if m.startswith("claimed by ")]
    again = [m for m in messages if "taken over by" in m or "shut down" in m or "retrying" in m]
    pid = (job.get("worker") or "").rsplit(":", 1)[-1]
    if len(claims) != 1 or again:
        print(f"{where} was claimed {len(claims)} time(s) and re-run {len(again)} time(s): {claims + again}")
    elif not claims[0].startswith(f"claimed by {job.get('worker')} "):
        print(f"{where}: its claim ({claims[0]}) names another worker than its record ({job.get('worker')})")
    if pid not in logs:
        print(f"{where} was run by {job.get('worker')}, neither ferry serve ({serve_pid}) nor ferry worker ({worker_pid})")
    runs = {p: text.count(f"runs job {jid} ") for p, text in logs.items()}
    if sum(runs.values()) != 1 or runs.get(pid) != 1:
        print(f"{where}: 'runs job' lines per process {runs}, expected one, from {pid}")
    elif pid in ran:
        ran[pid] += 1
    image = f"rbd/{job.get('domain')}-disk0"
    disks = job.get("disks", [])
    if not job.get("domain", "").startswith(run) or [d["image"] for d in disks] != [image]:
        print(f"{where}: disks {[d['image'] for d in disks]}, expected [{image}]")
    elif not disks[0]["verified"]:
        print(f"{where}: {image} is not marked verified")
for pid, count in ran.items():
    if count == 0:
        print(f"process {pid} ran no job: the two workers did not share the queue")
# Last line: how many jobs each process ran and how many are done, for the summary.
print(f"=ran {ran[serve_pid]} {ran[worker_pid]} {sum(job['state'] == 'done' for job in jobs)}")
PY
)
read -r _ serve_ran worker_ran finished <<<"${found[-1]}"
for line in "${found[@]:0:${#found[@]}-1}"; do problems+=("$line"); done

# The images and domains, in the cluster and libvirt themselves.
log "checking $jobs images and domains"
for name in "${names[@]}"; do
    image=rbd/$name-disk0
    state=$(rbd image-meta get "$image" ferry.state 2>/dev/null) || state=missing
    [[ $state == complete ]] || problems+=("$image: ferry.state is $state")
    rbd snap ls "$image" 2>/dev/null | grep -qw ferry-imported || problems+=("$image has no snapshot ferry-imported")
    if virsh dumpxml "$name" >"$work/domain.xml" 2>/dev/null; then
        grep -q "name='$image'" "$work/domain.xml" || problems+=("domain $name does not use $image")
    else
        problems+=("domain $name is not defined")
    fi
done
extra=$(rbd ls rbd | grep -c "^$run-" || true)
((extra == jobs)) || problems+=("$extra images named $run-*, expected $jobs")

# A sample, spread over the plan, byte for byte against qemu-img's reading of the VMDK.
((samples <= jobs)) || samples=$jobs
for ((s = 0; s < samples; s++)); do
    name=${names[s * jobs / samples]}
    rm -f -- "$work/oracle.raw" "$work/export.raw"
    qemu-img convert -f vmdk -O raw "$work/vm/$name/$name.vmdk" "$work/oracle.raw"
    if rbd export --no-progress "rbd/$name-disk0" "$work/export.raw" 2>/dev/null; then
        read -r oracle _ < <(sha256sum "$work/oracle.raw")
        read -r exported _ < <(sha256sum "$work/export.raw")
        [[ $oracle == "$exported" ]] || problems+=("rbd/$name-disk0 differs from qemu-img's conversion of its VMDK")
    else
        problems+=("rbd export of rbd/$name-disk0 failed")
    fi
done
rm -f -- "$work/oracle.raw" "$work/export.raw"

# The figures. Wall time: from submission to the last job's end, by the records' clocks.
read -r wall requests failed p50 p95 p99 slowest < <(python3 - "$work/records.jsonl" "$work/latency.txt" <<'PY'
import datetime, json, sys

def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

jobs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ends = [when(j["finishedAt"]) for j in jobs if j.get("finishedAt")]
wall = (max(ends) - min(when(j["createdAt"]) for j in jobs)).total_seconds() if ends else 0
answers = [line.split()[1:] for line in open(sys.argv[2]) if line.strip()]
times = sorted(float(a[1]) * 1000 for a in answers if a[:1] == ["200"])
failed = sum(1 for a in answers if a[:1] != ["200"])

def rank(p):  # nearest rank
    return times[min(len(times) - 1, max(0, -(-len(times) * p // 100) - 1))] if times else 0

print(f"{wall:.1f} {len(answers)} {failed} {rank(50):.0f} {rank(95):.0f} {rank(99):.0f} {times[-1] if times else 0:.0f}")
PY
)
((requests >= 10)) || problems+=("only $requests GET /api/v1/jobs requests during the run")
((failed == 0)) || problems+=("$failed of $requests GET /api/v1/jobs requests failed or were not answered within 10 s")
((p99 <= max_p99_ms)) || problems+=("GET /api/v1/jobs p99 ${p99} ms, over ${max_p99_ms} ms")
for pair in "ferry serve:$serve_hwm" "ferry worker:$worker_hwm"; do
    [[ -n ${pair#*:} ]] || { problems+=("no peak RSS of ${pair%%:*}"); continue; }
    ((${pair#*:} <= max_rss_mib)) || problems+=("${pair%%:*} peak RSS ${pair#*:} MiB, over $max_rss_mib MiB")
done
# Resident memory after the first and the last fifth of the samples (median of each):
# what a leak per job would show as a steady climb.
read -r serve_early serve_late worker_early worker_late < <(python3 - "$work/rss.txt" <<'PY'
import statistics, sys
rows = [list(map(int, line.split())) for line in open(sys.argv[1]) if len(line.split()) == 2]
fifth = max(1, len(rows) // 5)
def mib(part, column): return statistics.median(r[column] for r in part) / 1024 if part else 0
print(*(f"{mib(part, c):.0f}" for c in (0, 1) for part in (rows[:fifth], rows[-fifth:])))
PY
)

jobs_per_min=$(python3 -c "print(f'{$jobs * 60 / $wall:.1f}' if $wall > 0 else '-')")
{
    printf 'Ferry load test, %s, %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc) cores"
    printf '%s jobs of %s MiB (64 MiB disks), one plan via POST /api/v1/plans\n' "$jobs" "$data_mib"
    printf 'ferry serve (2 slots, ran %s) + ferry worker (2 slots, ran %s), one RADOS queue\n' "$serve_ran" "$worker_ran"
    printf '%-34s %s\n' \
        "jobs done" "$finished of $jobs" \
        "wall time" "${wall} s" \
        "throughput" "${jobs_per_min} jobs/min" \
        "peak RSS ferry serve" "${serve_hwm:-?} MiB (resident ${serve_early} → ${serve_late} MiB)" \
        "peak RSS ferry worker" "${worker_hwm:-?} MiB (resident ${worker_early} → ${worker_late} MiB)" \
        "GET /api/v1/jobs requests" "$requests ($failed failed)" \
        "GET /api/v1/jobs p50 / p95 / p99" "$p50 / $p95 / $p99 ms" \
        "GET /api/v1/jobs max" "$slowest ms"
    if ((${#problems[@]})); then
        printf 'FAILED: %s problem(s)\n' "${#problems[@]}"
        printf '  %s\n' "${problems[@]}"
    else
        printf 'all checks passed\n'
    fi
} | tee "$report"
((${#problems[@]} == 0)) || {
    show_log "$work/serve.log" 20
    show_log "$work/worker.log" 20
    die "${#problems[@]} check(s) failed; summary in $report"
}
log "summary in $report"
