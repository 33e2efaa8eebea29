#!/usr/bin/env bash
# fuzz.sh — coverage-guided fuzzing of Ferry's parsers of untrusted input with libFuzzer,
# AddressSanitizer and LeakSanitizer: the VMDK descriptor, hosted sparse, COWD, seSparse
# and streamOptimized readers, OVAs read in place, the VMX and OVF parsers, and migration plans.
#
#   bash Docker/dev/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]      (default: 30 s, every target)
#
# Builds ferry-fuzz with -sanitize=fuzzer,address into .build-fuzz, seeds the corpus
# (Docker/dev/fuzz-seeds.sh), runs each target for the given time and prints executions,
# coverage and the result. Exits non-zero on any crash, hang (>10 s for one input), leak or
# memory use over 512 MiB; the reproducer is kept in .build-fuzz/crashes/TARGET/ and can be
# re-run without libFuzzer: swift build --product ferry-fuzz --scratch-path .build-fuzzreplay &&
# .build-fuzzreplay/debug/ferry-fuzz replay TARGET FILE
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
cd "$repo"
seconds=${1:-30}
shift || true
all=(vmdk-descriptor vmdk-sparse vmdk-cowd vmdk-sesparse vmdk-stream ova vmx ovf plan)
targets=("${@:-${all[@]}}")
scratch=$repo/.build-fuzz
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
log() { printf 'fuzz.sh: %s\n' "$*" >&2; }

# Swift 6.3's `-sanitize=fuzzer` links libFuzzer's own main(), which clashes with the main
# SwiftPM gives every executable (`--defsym main=ferry_fuzz_main`; ld.gold then crashes in
# its error reporter). So the Swift code gets the same coverage instrumentation explicitly
# and links libFuzzer without its main; ferry-fuzz calls LLVMFuzzerRunDriver itself. The
# -Xcc flags instrument the C compiled from source too (libyaml inside Yams, for plans).
# FERRY_FUZZ_NO_BUILD=1 reuses the binary and corpus (to run several targets in parallel).
if [[ ${FERRY_FUZZ_NO_BUILD:-0} != 1 ]]; then
    libfuzzer=$(ls "$(dirname -- "$(readlink -f -- "$(command -v swift)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a)
    swift build --product ferry-fuzz --scratch-path "$scratch" -c release \
        -Xswiftc -sanitize=address \
        -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table \
        -Xswiftc -DFERRY_FUZZING -Xcc -fsanitize=fuzzer-no-link,address \
        -Xlinker "$libfuzzer" -Xlinker -lstdc++ >&2
    bash Docker/dev/fuzz-seeds.sh "$scratch/corpus"
fi
binary=$scratch/release/ferry-fuzz

# Largest input per target: a little more than the biggest useful seed, since long inputs
# cost executions per second.
declare -A max_len=(
    [vmdk-descriptor]=16384 [vmdk-sparse]=200000 [vmdk-cowd]=65536 [vmdk-sesparse]=65536
    [vmdk-stream]=300000 [ova]=32768 [vmx]=65536 [ovf]=262144 [plan]=8192
)
# A small quarantine keeps ASan's share of the 512 MiB RSS limit small.
# The Swift runtime's own crash reporter would wait on a terminal; libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1:quarantine_size_mb=16}
# swift-corelibs-foundation's XMLParser leaks a CFString (made in _CFErrorCreateFromXMLInterface)
# for every document it rejects; that is upstream code, so only that frame is suppressed.
printf 'leak:_CFErrorCreateFromXMLInterface\n' >"$scratch/lsan.supp"
export LSAN_OPTIONS=suppressions=$scratch/lsan.supp
# The harness writes every input to a file; tmpfs keeps that off the disk.
[[ -w /dev/shm ]] && export TMPDIR=/dev/shm

mkdir -p "$scratch/logs"
failed=0
printf '%-16s %8s %12s %10s %7s %7s  %s\n' target seconds executions exec/s cov ft result
for target in "${targets[@]}"; do
    [[ -n ${max_len[$target]:-} ]] || { log "unknown target $target (known: ${all[*]})"; exit 2; }
    crashes=$scratch/crashes/$target
    mkdir -p "$crashes" "$scratch/corpus/$target"
    output=$scratch/logs/$target.log
    status=0
    "$binary" "$target" -max_total_time="$seconds" -rss_limit_mb=512 -malloc_limit_mb=512 -timeout=10 \
        -max_len="${max_len[$target]}" -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$scratch/corpus/$target" >"$output" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$output" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$output" | tail -1)
    last=$(grep -E '^#[0-9]+' "$output" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    if ((status == 0)); then
        result=ok
    else
        failed=1
        artifact=$(grep -o "Test unit written to .*" "$output" | tail -1 | sed 's/Test unit written to //')
        kind=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+' "$output" | head -1 || true)
        result="FAILED (exit $status${kind:+, $kind}) ${artifact:-see $output}"
    fi
    printf '%-16s %8s %12s %10s %7s %7s  %s\n' "$target" "$seconds" "${executions:-?}" "${speed:-?}" \
        "${cov:-?}" "${ft:-?}" "$result"
done
((failed == 0)) || log "failures above; logs in $scratch/logs, reproducers in $scratch/crashes"
exit "$failed"
