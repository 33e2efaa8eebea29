#!/usr/bin/env bash
# memory-scaling.sh — does ferry import-disk's memory stay flat as disks grow?
#
#   bash Benchmarks/memory-scaling.sh
#
# Two ways a disk's size can reach the importer's memory, each measured at two sizes
# (peak RSS of `ferry import-disk --verify`, release build, on the local cluster):
#   - grain tables: monolithicSparse disks of 64 GiB and 2 TiB made by qemu-img, which
#     preallocates every grain table of both directory copies (128 MiB of them at 2 TiB),
#     holding the same 256 MiB of data in 64 places;
#   - per-object bookkeeping (chunk plan, checkpoint, content digest): flat disks of 64 GiB
#     and 256 GiB with 4 KiB of data in every 4 MiB RBD object, so every object is a chunk.
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
cd "$repo"
# shellcheck source=lib.sh
. Benchmarks/lib.sh
work=${FERRY_BENCH_DIR:-$repo/.build-bench}/scaling
mkdir -p "$work"

sparse_disk() { # NAME SIZE
    local path=$work/$1.vmdk
    [[ -f $path ]] && return 0
    qemu-img create -q -f vmdk "$path.tmp" "$2"
    local args=() i step
    step=$(($(numfmt --from=iec "$2") / 64))
    for ((i = 0; i < 64; i++)); do args+=(-c "write -P $((i + 1)) $((i * step)) 4M"); done
    qemu-io -f vmdk "${args[@]}" "$path.tmp" >/dev/null
    mv "$path.tmp" "$path"
}

every_object_disk() { # NAME SIZE
    local path=$work/$1.vmdk
    [[ -f $path ]] && return 0
    python3 - "$work" "$1" "$(numfmt --from=iec "$2")" <<'PY'
import os, sys
folder, name, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
flat = f"{name}-flat.vmdk"
fd = os.open(os.path.join(folder, flat), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(fd, size)
block = bytes([0x5A]) * 4096
for offset in range(0, size, 4 << 20):
    os.pwrite(fd, block, offset + 8192)
os.close(fd)
with open(os.path.join(folder, f"{name}.vmdk"), "w") as descriptor:
    descriptor.write(
        '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\n'
        f'RW {size // 512} FLAT "{flat}" 0\n\nddb.virtualHWVersion = "4"\nddb.adapterType = "ide"\n')
PY
}

# Prints "seconds peak_rss_kib" of one import with --verify.
measure() {
    remove_image bench-scaling
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$ferry" import-disk "$1" "$pool/bench-scaling" --verify --progress none >/dev/null
    remove_image bench-scaling
    cat "$work/time.txt"
}

log "making the disks"
sparse_disk sparse-64G 64G
sparse_disk sparse-2T 2T
every_object_disk objects-64G 64G
every_object_disk objects-256G 256G

printf '\n%-14s %9s %24s %9s %13s\n' disk capacity 'objects with data' seconds 'peak RSS MiB'
for name in sparse-64G sparse-2T objects-64G objects-256G; do
    log "importing $name"
    read -r seconds rss < <(measure "$work/$name.vmdk")
    capacity=${name##*-}
    case $name in
        sparse-*) objects="64 of $(($(numfmt --from=iec "$capacity") >> 22))" ;;
        objects-*) objects="all $(($(numfmt --from=iec "$capacity") >> 22))" ;;
    esac
    printf '%-14s %9s %24s %9s %13d\n' "$name" "$capacity" "$objects" "$seconds" "$((rss / 1024))"
done
