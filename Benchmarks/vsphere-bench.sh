#!/usr/bin/env bash
# vsphere-bench.sh — a disk read straight from a vSphere datastore over HTTPS, in one run.
#
#   bash Benchmarks/vsphere-bench.sh [RUNS]      (default 1 run per measurement; medians)
#
# The existing benchmark's realistic disk (a 4 GiB ext4 filesystem ~30% full of real files)
# is put on vcsim's datastore in two ESXi forms: a thin `vmfs` disk (descriptor + sparse
# -flat.vmdk) and a vmfsSparse snapshot (an empty thin base + a COWD delta holding the
# filesystem in ESXi's one-sector grains). nginx serves them over TLS with a per-connection
# cap (FERRY_NGINX_RATE, default 40m: ESXi caps each connection; Proxmox users report
# 30–40 MB/s). Each form is imported into RBD by
#   ferry import-disk vsphere://…            (release build, its defaults: 4 connections)
#   ferry … --vsphere-connections 1          (one connection, as a single-stream reader)
#   qemu-img convert https://… → rbd:        (qemu's curl driver, where it can read the form)
# and the table gives times, the speed-ups, and Ferry's CPU seconds per GiB read (TLS included).
# Ratios from one run on one machine are what carry over. Needs install-deps.sh's packages.
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
cd "$repo"
runs=${1:-1}
# shellcheck source=lib.sh
. Benchmarks/lib.sh
work=${FERRY_BENCH_DIR:-$repo/.build-bench}
realistic_filesystem "$work"

eval "$(bash Docker/dev/vcsim-up.sh "$dir")"
eval "$(FERRY_NGINX_RATE=${FERRY_NGINX_RATE:-40m} bash Docker/dev/nginx-up.sh "$dir")"
slow=$FERRY_VCSIM_SLOW_URL
endpoint=${slow#https://}
endpoint=${endpoint%/sdk}
datastore=$FERRY_VCSIM_DATASTORE_DIR
dc=$FERRY_VCSIM_DATACENTER
ds=$FERRY_VCSIM_DATASTORE
vsphere=(--vsphere-user "$FERRY_VCSIM_USER" --vsphere-password-file "$FERRY_VCSIM_PASSWORD_FILE"
    --vsphere-thumbprint "$FERRY_VCSIM_THUMBPRINT")
sectors=$(($(stat -c %s "$work/fs.raw") / 512))

descriptor() { # NAME CREATETYPE EXTENTLINE [PARENT]
    local cid=2b2b0001 parent_cid=ffffffff
    [[ -n ${4:-} ]] && cid=2b2b0002 parent_cid=2b2b0001
    printf '# Disk DescriptorFile\nversion=1\nencoding="UTF-8"\nCID=%s\nparentCID=%s\ncreateType="%s"\n' \
        "$cid" "$parent_cid" "$2"
    if [[ -n ${4:-} ]]; then printf 'parentFileNameHint="%s"\n' "$4"; fi
    printf '\n# Extent description\n%s\n\n# The Disk Data Base\n#DDB\n\nddb.adapterType = "lsilogic"\nddb.thinProvisioned = "1"\n' "$3"
}

# Thin vmfs: the filesystem as a sparse -flat.vmdk.
if [[ ! -f $datastore/bench-thin/bench-thin.vmdk ]]; then
    log "placing the thin vmfs disk on the datastore"
    mkdir -p "$datastore/bench-thin"
    cp --sparse=always "$work/fs.raw" "$datastore/bench-thin/bench-thin-flat.vmdk"
    descriptor bench-thin vmfs "RW $sectors VMFS \"bench-thin-flat.vmdk\"" >"$datastore/bench-thin/bench-thin.vmdk"
fi
# vmfsSparse snapshot: an empty thin base, and a COWD delta with every non-zero sector.
if [[ ! -f $datastore/bench-snap/bench-snap-000001.vmdk ]]; then
    log "writing the vmfsSparse delta (one-sector grains, as ESXi does)"
    mkdir -p "$datastore/bench-snap"
    truncate -s "$((sectors * 512))" "$datastore/bench-snap/bench-snap-flat.vmdk"
    descriptor bench-snap vmfs "RW $sectors VMFS \"bench-snap-flat.vmdk\"" >"$datastore/bench-snap/bench-snap.vmdk"
    python3 - "$work/fs.raw" "$datastore/bench-snap/bench-snap-000001-delta.vmdk" "$sectors" <<'PY'
import struct, sys
source, target, sectors = sys.argv[1], sys.argv[2], int(sys.argv[3])
per_table = 4096                       # grain-table entries; one-sector grains
tables = (sectors + per_table - 1) // per_table
directory_sectors = (tables * 4 + 511) // 512
zero = bytes(512)
used = {}                              # table -> [(entry, sector bytes offset in source)]
with open(source, "rb") as f:
    offset = 0
    while True:
        block = f.read(1 << 20)
        if not block:
            break
        if block.count(0) != len(block):
            for i in range(0, len(block), 512):
                if block[i:i + 512] != zero:
                    sector = (offset + i) // 512
                    used.setdefault(sector // per_table, []).append(sector % per_table)
        offset += len(block)
next_sector = 4 + directory_sectors
table_sector = {}
for table in sorted(used):
    table_sector[table] = next_sector
    next_sector += per_table * 4 // 512
grain_start = next_sector
grains = sum(len(v) for v in used.values())
header = bytearray(2048)
header[0:4] = b"COWD"
struct.pack_into("<IIIIIII", header, 4, 1, 3, sectors, 1, 4, tables, grain_start + grains)
header[32:41] = b"base.vmdk"
with open(source, "rb") as src, open(target, "wb") as out:
    out.write(header)
    directory = bytearray(directory_sectors * 512)
    for table, sector in table_sector.items():
        struct.pack_into("<I", directory, table * 4, sector)
    out.write(directory)
    grain = grain_start
    for table in sorted(used):
        entries = bytearray(per_table * 4)
        for entry in used[table]:
            struct.pack_into("<I", entries, entry * 4, grain)
            grain += 1
        out.write(entries)
    for table in sorted(used):
        for entry in used[table]:
            src.seek((table * per_table + entry) * 512)
            out.write(src.read(512))
print(f"{grains} grains", file=sys.stderr)
PY
    descriptor bench-snap-000001 vmfsSparse "RW $sectors VMFSSPARSE \"bench-snap-000001-delta.vmdk\"" bench-snap.vmdk \
        >"$datastore/bench-snap/bench-snap-000001.vmdk"
fi
for name in bench-thin bench-snap; do
    curl -sS -X DELETE "$FERRY_VCSIM_CONTROL_URL/vms/$name" >/dev/null || true
done
curl -sS --fail-with-body -X POST "$FERRY_VCSIM_CONTROL_URL/vms" -d "{\"name\":\"bench-thin\",\"controllers\":[{\"type\":\"pvscsi\"}],\"disks\":[{\"controller\":0,\"unitNumber\":0,\"fileName\":\"bench-thin.vmdk\",\"capacityBytes\":$((sectors * 512)),\"thin\":true}]}" >/dev/null
curl -sS --fail-with-body -X POST "$FERRY_VCSIM_CONTROL_URL/vms" -d "{\"name\":\"bench-snap\",\"controllers\":[{\"type\":\"pvscsi\"}],\"disks\":[{\"controller\":0,\"unitNumber\":0,\"fileName\":\"bench-snap-000001.vmdk\",\"parents\":[\"bench-snap.vmdk\"],\"capacityBytes\":$((sectors * 512)),\"thin\":true}]}" >/dev/null

# qemu's curl driver authenticates with HTTP Basic; its secret file must hold the password
# without a line break.
qemu_secret=$work/qemu-password
head -n1 "$FERRY_VCSIM_PASSWORD_FILE" | tr -d '\n' >"$qemu_secret"
chmod 600 "$qemu_secret"
qemu_https() { # FORMAT FILE: sets qemu_cmd, qemu-img convert of the datastore FILE into rbd
    local url="${slow%/sdk}/folder/$2?dcPath=$dc&dsName=$ds"
    qemu_cmd=(qemu-img convert --object "secret,id=sec0,file=$qemu_secret" -O raw
        "json:{\"driver\":\"$1\",\"file\":{\"driver\":\"https\",\"url\":\"$url\",\"sslverify\":false,\"username\":\"$FERRY_VCSIM_USER\",\"password-secret\":\"sec0\"}}"
        "rbd:$pool/bench-vs-qemu:conf=$CEPH_CONF")
}

oracle=$(sha256sum <"$work/fs.raw" | cut -c1-64)
printf '\n%-11s %8s %8s %8s %7s %8s %9s %7s %9s %9s\n' form ferry_s MiB/s one_s vs_one eight_s qemu_s vs_qemu cpu_s/GiB rss_MiB
for form in thin snap; do
    case $form in
    thin) head="bench-thin/bench-thin.vmdk" qemu_file="bench-thin/bench-thin-flat.vmdk" ;;
    snap) head="bench-snap/bench-snap-000001.vmdk" qemu_file="" ;;
    esac
    source="vsphere://$endpoint/$dc/[$ds] $head"
    ferry_times=() one_times=() eight_times=() qemu_times=() cpu_values=() rss_values=()
    for ((i = 0; i < runs; i++)); do
        remove_image bench-vs
        read -r seconds rss cpu < <(measure "$ferry" import-disk "$source" "$pool/bench-vs" --progress none "${vsphere[@]}")
        ferry_times+=("$seconds") cpu_values+=("$cpu") rss_values+=("$rss")
        [[ $(rbd export --no-progress "$pool/bench-vs" - | sha256sum | cut -c1-64) == "$oracle" ]] ||
            { log "bench-vs from $form differs from the filesystem"; exit 1; }
        remove_image bench-vs
        one_times+=("$(measure "$ferry" import-disk "$source" "$pool/bench-vs" --progress none --vsphere-connections 1 "${vsphere[@]}" | cut -d' ' -f1)")
        # As many connections as qemu's curl driver opens (CURL_NUM_STATES, 8).
        remove_image bench-vs
        eight_times+=("$(measure "$ferry" import-disk "$source" "$pool/bench-vs" --progress none --vsphere-connections 8 "${vsphere[@]}" | cut -d' ' -f1)")
        remove_image bench-vs-qemu
        if [[ -n $qemu_file ]]; then
            qemu_https raw "$qemu_file"
            qemu_times+=("$(measure "${qemu_cmd[@]}" | cut -d' ' -f1)")
            [[ $(rbd export --no-progress "$pool/bench-vs-qemu" - | sha256sum | cut -c1-64) == "$oracle" ]] ||
                { log "qemu-img's image from $form differs from the filesystem"; exit 1; }
        fi
    done
    f=$(printf '%s\n' "${ferry_times[@]}" | median)
    o=$(printf '%s\n' "${one_times[@]}" | median)
    e=$(printf '%s\n' "${eight_times[@]}" | median)
    c=$(printf '%s\n' "${cpu_values[@]}" | median)
    r=$(printf '%s\n' "${rss_values[@]}" | sort -n | tail -1)
    q=0
    ((${#qemu_times[@]})) && q=$(printf '%s\n' "${qemu_times[@]}" | median)
    python3 - "$form" "$f" "$o" "$e" "$q" "$c" "$r" "$((sectors * 512))" <<'PY'
import sys
form, f, o, e, q, c, rss, size = sys.argv[1], *map(float, sys.argv[2:7]), int(sys.argv[7]), int(sys.argv[8])
gib = size / (1 << 30)
qemu = f"{q:9.1f} {q/f:6.2f}x" if q > 0 else f"{'—':>9} {'—':>7}"
print(f"{form:<11} {f:8.1f} {size/f/1048576:8.0f} {o:8.1f} {o/f:6.2f}x {e:8.1f} {qemu} {c/gib:9.2f} {rss/1024:9.0f}")
PY
done
remove_image bench-vs
remove_image bench-vs-qemu
printf '\n%s GiB disk, ~1.2 GiB of files; nginx caps each connection at %s/s; %s run(s), medians.\n' \
    "$((sectors / 2097152))" "${FERRY_NGINX_RATE:-40m}" "$runs"
# What qemu-img says when asked to read the snapshot's descriptor over https.
remove_image bench-vs-qemu
qemu_https vmdk "bench-snap/bench-snap-000001.vmdk"
why=$("${qemu_cmd[@]}" 2>&1 >/dev/null | head -n1 || true)
remove_image bench-vs-qemu
printf 'qemu-img reads the thin disk'"'"'s -flat.vmdk over https as raw. The vmfsSparse snapshot it cannot\n'
printf 'read that way; asked for its descriptor it says: %s\n' "${why:-nothing (it read it!)}"
