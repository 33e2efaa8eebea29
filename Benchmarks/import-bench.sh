#!/usr/bin/env bash
# import-bench.sh — Ferry's import speed against qemu-img and rbd on the same cluster, in one run.
#
#   bash Benchmarks/import-bench.sh [RUNS]        (default 3 runs per measurement; medians are printed)
#
# Builds a realistic disk: a 4 GiB ext4 filesystem ~30% full of real files from this
# machine (mke2fs -d, no mounting), converted by qemu-img to monolithicSparse,
# streamOptimized and monolithicFlat. For each, times
#   ferry import-disk                         (release build)
#   qemu-img convert -m 16 -W -t none → rbd:  (qemu-img's best settings)
#   qemu-img convert → rbd:                   (its defaults)
# plus `rbd import` of the raw filesystem and the cluster's ceiling from
# `rbd bench --io-type write --io-size 4M --io-threads 16`. Ratios, not absolute times,
# are what carry over between machines. Needs the packages of Docker/dev/install-deps.sh.
#
# FERRY_BENCH_BASELINE=/path/to/other/ferry times a second ferry binary (an earlier commit's
# release build) in the same runs, interleaved with this one: "before and after" in one run.
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
cd "$repo"
runs=${1:-3}
# shellcheck source=lib.sh
. Benchmarks/lib.sh
work=${FERRY_BENCH_DIR:-$repo/.build-bench}

realistic_filesystem "$work"
for format in monolithicSparse streamOptimized monolithicFlat; do
    [[ -f $work/$format.vmdk ]] || qemu-img convert -f raw -O vmdk -o subformat=$format "$work/fs.raw" "$work/$format.vmdk"
done

# Allocated bytes: qemu-img map for sparse forms; for a flat extent qemu-img reports every
# byte as data, so the file's own data ranges (SEEK_DATA/SEEK_HOLE) are counted instead.
allocated() {
    if [[ -f ${1%.vmdk}-flat.vmdk ]]; then
        python3 - "${1%.vmdk}-flat.vmdk" <<'PY'
import os, sys
fd, position, total = os.open(sys.argv[1], os.O_RDONLY), 0, 0
size = os.fstat(fd).st_size
while position < size:
    try:
        start = os.lseek(fd, position, os.SEEK_DATA)
    except OSError:
        break
    position = os.lseek(fd, start, os.SEEK_HOLE)
    total += position - start
print(total)
PY
    else
        qemu-img map --output=json -f vmdk "$1" | python3 -c 'import json,sys; print(sum(e["length"] for e in json.load(sys.stdin) if e.get("data")))'
    fi
}

log "cluster ceiling: rbd bench --io-type write --io-size 4M --io-threads 16"
remove_image bench-ceiling
rbd create --size 4G "$pool/bench-ceiling"
# The summary line reads "elapsed: S ops: N ops/sec: R bytes/sec: X MiB/s"; bytes/sec is
# rounded for humans, so the ceiling is computed from ops/sec × 4 MiB.
ceiling=$(rbd bench --io-type write --io-size 4M --io-threads 16 --io-total 2G --io-pattern seq "$pool/bench-ceiling" |
    awk '/^elapsed:/ {printf "%.0f", $6 * 4194304}')
remove_image bench-ceiling
ceiling_mib=$(python3 -c "print(f'{$ceiling/1048576:.0f}')")

rbd_import_times=()
for ((i = 0; i < runs; i++)); do
    remove_image bench-rbd-import
    rbd_import_times+=("$(measure rbd import --no-progress "$work/fs.raw" "$pool/bench-rbd-import" | cut -d' ' -f1)")
done
remove_image bench-rbd-import
rbd_import=$(printf '%s\n' "${rbd_import_times[@]}" | median)

baseline=${FERRY_BENCH_BASELINE:-}
printf '\n%-17s %9s %9s %9s %9s %8s %8s %9s %8s' format allocMiB ferry_s qemuT_s qemuD_s vs_T vs_D ceiling% rss_MiB
[[ -n $baseline ]] && printf ' %9s %8s' base_s vs_base
printf '\n'
for format in monolithicSparse streamOptimized monolithicFlat; do
    source=$work/$format.vmdk
    bytes=$(allocated "$source")
    ferry_times=() rss_values=() tuned_times=() default_times=() baseline_times=()
    for ((i = 0; i < runs; i++)); do
        remove_image bench-ferry
        read -r seconds rss _ < <(measure "$ferry" import-disk "$source" "$pool/bench-ferry" --progress none)
        ferry_times+=("$seconds")
        rss_values+=("$rss")
        if [[ -n $baseline ]]; then
            remove_image bench-ferry
            baseline_times+=("$(measure "$baseline" import-disk "$source" "$pool/bench-ferry" --progress none | cut -d' ' -f1)")
        fi
        remove_image bench-qemu
        tuned_times+=("$(measure qemu-img convert -f vmdk -O raw -m 16 -W -t none "$source" "rbd:$pool/bench-qemu:conf=$CEPH_CONF" | cut -d' ' -f1)")
        remove_image bench-qemu
        default_times+=("$(measure qemu-img convert -f vmdk -O raw "$source" "rbd:$pool/bench-qemu:conf=$CEPH_CONF" | cut -d' ' -f1)")
    done
    remove_image bench-ferry
    remove_image bench-qemu
    f=$(printf '%s\n' "${ferry_times[@]}" | median)
    t=$(printf '%s\n' "${tuned_times[@]}" | median)
    d=$(printf '%s\n' "${default_times[@]}" | median)
    r=$(printf '%s\n' "${rss_values[@]}" | sort -n | tail -1)
    base=0
    [[ -n $baseline ]] && base=$(printf '%s\n' "${baseline_times[@]}" | median)
    python3 - "$format" "$bytes" "$f" "$t" "$d" "$ceiling" "$r" "$base" <<'PY'
import sys
fmt, b, f, t, d, ceiling, rss, base = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:6]), float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
line = f"{fmt:<17} {b/1048576:9.0f} {f:9.2f} {t:9.2f} {d:9.2f} {t/f:7.2f}x {d/f:7.2f}x {100*(b/f)/ceiling:8.0f}% {rss/1024:8.0f}"
if base > 0:
    line += f" {base:9.2f} {base/f:7.2f}x"
print(line)
PY
done
printf '\nrbd import of the raw filesystem (4 GiB): %.2f s; cluster ceiling (rbd bench 4M x16): %s MiB/s; %s runs each, medians.\n' \
    "$rbd_import" "$ceiling_mib" "$runs"
