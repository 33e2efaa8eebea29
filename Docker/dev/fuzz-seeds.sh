#!/usr/bin/env bash
# fuzz-seeds.sh — builds the seed corpus of every ferry-fuzz target into
# .build-fuzz/corpus/TARGET (or $1/TARGET): VMDKs in every subformat qemu-img writes,
# compact hand-made sparse/COWD/seSparse files, small OVAs, the peer data's VMDK/VMX/OVF files, and
# plan examples. Peer data ($FERRY_PEER_DATA, default ../shared/peer-data) is read in place.
#
#   bash Docker/dev/fuzz-seeds.sh [CORPUS_DIR]
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
corpus=${1:-$repo/.build-fuzz/corpus}
peer=${FERRY_PEER_DATA:-$(cd "$repo/.." && pwd -P)/shared/peer-data}
log() { printf 'fuzz-seeds.sh: %s\n' "$*" >&2; }
command -v qemu-img >/dev/null || { log "qemu-img is required (apt-get install qemu-utils)"; exit 1; }
[[ -d $peer ]] || log "no peer data at $peer; seeding from generated files only"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
for target in vmdk-descriptor vmdk-sparse vmdk-cowd vmdk-sesparse vmdk-stream ova vmx ovf plan; do
    mkdir -p "$corpus/$target"
done
# seed TARGET FILE [NAME] — copies FILE into the target's corpus if it is small enough to fuzz.
seed() {
    local size
    size=$(stat -c %s -- "$2")
    ((size <= ${MAX_SEED:-300000})) || return 0
    install -m 644 -- "$2" "$corpus/$1/${3:-$(basename -- "$2")}"
}

# --- qemu-img: every VMDK subformat it writes, 1 MiB with some data and a zero range.
# The harness's scratch folder holds base-flat.vmdk and base-sparse.vmdk (1 MiB each) and parent.vmdk (CID 0000abcd,
# 2048 sectors), so descriptors are rewritten to point there and children to that parent.
cd "$work"
printf 'ferry fuzz seed' >pattern
qemu-img create -q -f raw data.raw 1M
qemu-io -f raw -c 'write -P 0xab 0 8k' -c 'write -P 0x11 512k 4k' data.raw >/dev/null
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse data.raw sparse.vmdk
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,zeroed_grain=on data.raw sparse-zeroed.vmdk
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized data.raw stream.vmdk
qemu-img create -q -f vmdk -o subformat=streamOptimized stream-empty.vmdk 1M
qemu-img create -q -f vmdk sparse-empty.vmdk 1M
qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse data.raw split.vmdk
qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat data.raw flat.vmdk
qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentFlat data.raw splitflat.vmdk
# A child with a backing file: its embedded descriptor names parent.vmdk; its parentCID
# is rewritten (same length) to the harness parent's CID.
qemu-img create -q -f vmdk -o subformat=monolithicFlat parent.vmdk 1M
qemu-img create -q -f vmdk -b parent.vmdk -F vmdk child.vmdk 1M
qemu-io -f vmdk -c 'write -P 0x22 64k 64k' child.vmdk >/dev/null
sed -i 's/^parentCID=[0-9a-f]\{8\}/parentCID=0000abcd/' child.vmdk

for file in sparse sparse-zeroed sparse-empty child split-s001; do seed vmdk-sparse "$file.vmdk"; done

for file in stream stream-empty; do seed vmdk-stream "$file.vmdk"; done
for file in flat splitflat split; do
    sed -E -e 's/^(RW|RDONLY) [0-9]+ (FLAT|VMFS) "[^"]*"/\1 2048 \2 "base-flat.vmdk"/' \
        -e 's/^(RW|RDONLY) [0-9]+ SPARSE "[^"]*"/\1 2048 SPARSE "base-sparse.vmdk"/' "$file.vmdk" >"desc-$file.vmdk"
    seed vmdk-descriptor "desc-$file.vmdk"
done

# --- compact hand-made files (4 KiB grains, one table): small inputs mutate fastest.
python3 - "$corpus" <<'PY'
import struct, sys
corpus = sys.argv[1]

def write(target, name, data):
    open(f"{corpus}/{target}/{name}", "wb").write(bytes(data))

def kdmv(grains, compressed=False, descriptor=True, zeroed=False):
    """Hosted sparse, 2048 sectors, 8-sector grains, 512 GTEs per table."""
    capacity, grain = 2048, 8
    desc = (b'# Disk DescriptorFile\nversion=1\nCID=2a2a2a2a\nparentCID=ffffffff\n'
            b'createType="monolithicSparse"\nRW 2048 SPARSE "disk.vmdk"\n') if descriptor else b''
    desc_sectors = 2 if descriptor else 0
    gd = 1 + desc_sectors
    gt = gd + 1
    overhead = gt + 4
    flags = 1 | 2 * 0 | (4 if zeroed else 0) | ((1 << 16) | (1 << 17) if compressed else 0)
    header = bytearray(512)
    struct.pack_into("<4sIIQQQQIQQQB4sH", header, 0, b"KDMV", 3 if compressed else 1, flags, capacity, grain,
                     1 if descriptor else 0, desc_sectors, 512, 0, gd, overhead, 0, b"\n \r\n", 1 if compressed else 0)
    out = bytearray(header) + desc.ljust(desc_sectors * 512, b"\0")
    out += struct.pack("<I", gt).ljust(512, b"\0")
    table = bytearray(2048)
    out += table
    for index, byte in grains:
        sector = len(out) // 512
        if zeroed and byte is None:
            struct.pack_into("<I", out, gt * 512 + index * 4, 1)
            continue
        struct.pack_into("<I", out, gt * 512 + index * 4, sector)
        if compressed:
            import zlib
            payload = zlib.compress(bytes([byte]) * 4096)
            marker = struct.pack("<QI", index * grain, len(payload)) + payload
            out += marker.ljust((len(marker) + 511) // 512 * 512, b"\0")
        else:
            out += bytes([byte]) * 4096
    return out

write("vmdk-sparse", "compact.vmdk", kdmv([(0, 0xab), (3, 0x11), (200, 0x5a)]))
write("vmdk-sparse", "compact-zeroed.vmdk", kdmv([(0, 0xab), (1, None)], zeroed=True))
write("vmdk-sparse", "compact-nodesc.vmdk", kdmv([(0, 0xab)], descriptor=False))
write("vmdk-stream", "compact-inline.vmdk", kdmv([(0, 0xab), (5, 0x33)], compressed=True))

def cowd(grains, capacity=2048):
    """vmfsSparse: 2048-byte header, GD at sector 4, tables of 4096 entries, 512-byte grains."""
    out = bytearray(2048)
    struct.pack_into("<4sIIIIII", out, 0, b"COWD", 1, 3, capacity, 1, 4, 1)
    out += bytearray(512)  # directory
    table = len(out) // 512
    struct.pack_into("<I", out, 2048, table)
    out += bytearray(4096 * 4)
    for index, byte in grains:
        struct.pack_into("<I", out, table * 512 + index * 4, len(out) // 512)
        out += bytes([byte]) * 512
    struct.pack_into("<I", out, 28, len(out) // 512)
    return out

write("vmdk-cowd", "cowd.vmdk", cowd([(0, 0xab), (7, 0x11)]))
write("vmdk-cowd", "cowd-empty.vmdk", cowd([]))

def sesparse(grains, capacity=2048):
    """seSparse: const header, volatile header at sector 1, GD at 4, one table, grains after."""
    used = 1 if grains else 0
    tables_start, grains_start = 5, 5 + 64 * used
    grain_sectors = 8 * (max([g[2] for g in grains if g[2] is not None], default=0) + 1)
    out = bytearray(grains_start * 512)
    fields = {0: 0xcafebabe, 8: 0x0000000200000001, 16: capacity, 24: 8, 32: 64, 80: 1, 88: 1, 96: 2, 104: 1,
              112: 3, 120: 1, 128: 4, 136: 1, 144: tables_start, 152: 64 * used, 192: grains_start,
              200: grain_sectors}
    for offset, value in fields.items():
        struct.pack_into("<Q", out, offset, value)
    struct.pack_into("<Q", out, 512, 0xcafecafe)
    if used:
        struct.pack_into("<Q", out, 4 * 512, 0x1000000000000000)
    out += bytearray(grain_sectors * 512)
    for index, state, physical, byte in grains:
        entry = state << 60
        if state == 3:
            entry |= ((physical & 0xfff) << 48) | (physical >> 12)
            start = (grains_start * 512) + physical * 4096
            out[start:start + 4096] = bytes([byte]) * 4096
        struct.pack_into("<Q", out, tables_start * 512 + index * 8, entry)
    return out

write("vmdk-sesparse", "sesparse.vmdk", sesparse([(0, 3, 0, 0xab), (1, 2, None, 0), (2, 1, None, 0), (9, 3, 1, 0x11)]))
write("vmdk-sesparse", "sesparse-empty.vmdk", sesparse([]))

desc = lambda extra, extents: ("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\n" + extra +
                               "\n".join(extents) + "\nddb.adapterType = \"lsilogic\"\nddb.geometry.cylinders = \"2\"\n"
                               "ddb.geometry.heads = \"16\"\nddb.geometry.sectors = \"63\"\n").encode()
write("vmdk-descriptor", "child.vmdk", desc('parentCID=0000abcd\ncreateType="monolithicFlat"\n'
                                            'parentFileNameHint="parent.vmdk"\n', ['RW 2048 FLAT "base-flat.vmdk" 0']))
write("vmdk-descriptor", "sparse-extents.vmdk", desc('parentCID=ffffffff\ncreateType="twoGbMaxExtentSparse"\n',
                                                     ['RW 2048 SPARSE "base-sparse.vmdk"',
                                                      'RW 2048 SPARSE "base-sparse.vmdk"']))
write("vmdk-descriptor", "mixed.vmdk", desc('parentCID=ffffffff\ncreateType="twoGbMaxExtentFlat"\n',
                                            ['RW 1024 FLAT "base-flat.vmdk" 1024', 'RW 4096 ZERO',
                                             'RDONLY 1024 VMFS "base-flat.vmdk"']))

# Hostile shapes: nesting deep enough to exhaust a recursive parser or tree (30,000 levels fit
# in the OVF target's max_len), and YAML nested past libyaml's limit.
envelope = '<?xml version="1.0"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">'
write("ovf", "deep-nesting.ovf", (envelope + "<a>" * 30000 + "</a>" * 30000 + "</Envelope>").encode())
write("plan", "deep-nesting.yaml", ("vms: " + "[" * 3000 + "]" * 3000 + "\n").encode())
PY

# --- OVAs around the compact stream: as ovftool lays them out (OVF, manifest, disk), a
# chunked disk (OVF chunkSize), a sha1sum --tag manifest, no manifest, no OVF.
python3 - "$corpus/ova" "$corpus/vmdk-stream/compact-inline.vmdk" <<'PY'
import hashlib, io, sys, tarfile
corpus, stream = sys.argv[1], open(sys.argv[2], "rb").read()
def ovf(files):
    refs = "".join(f'<File ovf:id="f{i}" ovf:href="{name}" ovf:size="{size}"{extra}/>' for i, (name, size, extra) in enumerate(files))
    return (f'<?xml version="1.0"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" '
            f'xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References>{refs}</References>'
            '<DiskSection><Disk ovf:diskId="vmdisk1" ovf:fileRef="f0" ovf:capacity="1048576" '
            'ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/></DiskSection>'
            '</Envelope>').encode()
def ova(name, members, manifest="SHA256", tag=False):
    if manifest:
        lines = []
        for member, data in members:
            digest = hashlib.new(manifest.lower(), data).hexdigest()
            lines.append(f"{manifest} ({member}) = {digest}" if tag else f"{manifest}({member})= {digest}")
        members = members[:1] + [("vm.mf", ("\n".join(lines) + "\n").encode())] + members[1:]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for member, data in members:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    open(f"{corpus}/{name}", "wb").write(buffer.getvalue())
ova("stream.ova", [("vm.ovf", ovf([("disk1.vmdk", len(stream), "")])), ("disk1.vmdk", stream)])
ova("stream-sha1-tag.ova", [("vm.ovf", ovf([("disk1.vmdk", len(stream), "")])), ("disk1.vmdk", stream)], "SHA1", tag=True)
ova("no-manifest.ova", [("vm.ovf", ovf([("disk1.vmdk", len(stream), "")])), ("disk1.vmdk", stream)], manifest=None)
half = (len(stream) // 2 + 511) // 512 * 512
ova("chunked.ova", [("vm.ovf", ovf([("disk1.vmdk", len(stream), f' ovf:chunkSize="{half}"')])),
                    ("disk1.vmdk.000000000", stream[:half]), ("disk1.vmdk.000000001", stream[half:])])
ova("no-ovf.ova", [("disk1.vmdk", stream)], manifest=None)
PY

# --- peer data, read in place.
if [[ -d $peer ]]; then
    for file in "$peer"/qemu-samples/*.vmdk; do seed vmdk-stream "$file"; seed vmdk-sparse "$file"; done
    for file in "$peer"/pve-storage-ovf/*.vmdk; do seed vmdk-sparse "$file"; done
    for file in "$peer"/libvmdk/descriptor_file.1 "$peer"/forklift/*.vmdk-descriptor; do seed vmdk-descriptor "$file"; done
    find "$peer/virt-manager-virtconv" -name '*.vmdk' -size -64k -print0 |
        while IFS= read -r -d '' file; do seed vmdk-descriptor "$file"; done
    find "$peer" -name '*.vmx' -print0 |
        while IFS= read -r -d '' file; do seed vmx "$file" "$(echo "$file" | md5sum | cut -c1-12)-${file##*/}"; done
    find "$peer" -name '*.ovf' -print0 |
        while IFS= read -r -d '' file; do seed ovf "$file" "$(echo "$file" | md5sum | cut -c1-12)-${file##*/}"; done
fi

# --- plans: the example and a few shapes the parser must refuse.
seed plan "$repo/config/plan.example.yaml"
printf 'name: w\ndefaults: {pool: rbd/ns, networks: {"VM Network": "network:default"}}\nvms:\n  - source: a.vmx\n  - {source: b.ova, name: b, max_attempts: 20, domain_type: qemu}\n' >"$corpus/plan/flow.yaml"
printf 'vms:\n  - source: a.vmx\n    keepbus: true\n' >"$corpus/plan/unknown-key.yaml"
printf 'base: /srv\ndefaults:\n  pool: rbd\n  default_network: ovs:br0\nvms: []\n' >"$corpus/plan/empty.yaml"

for target in "$corpus"/*; do log "$(ls "$target" | wc -l) seeds in $target"; done
