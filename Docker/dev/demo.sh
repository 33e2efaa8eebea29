#!/usr/bin/env bash
# demo.sh — Ferry's main job on the built-in local cluster, from a fresh Debian 12 machine
# (as root): install the packages, start a one-node Ceph cluster and libvirtd, build
# Ferry, make a small VMware disk on the spot, import it into RBD, and prove the image
# equals what qemu-img reads from the same disk.
#
#   bash Docker/dev/demo.sh
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
cd "$repo"
dir=${FERRY_CLUSTER_DIR:-$repo/.build-cluster}
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

if [[ ${FERRY_SKIP_INSTALL:-0} != 1 ]]; then
    say "Installing packages (apt)"
    bash Docker/dev/install-deps.sh
fi
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin

say "Starting the local Ceph cluster and libvirtd in $dir"
eval "$(bash Docker/dev/ceph-up.sh "$dir")"
eval "$(bash Docker/dev/libvirt-up.sh "$dir")"
export CEPH_CONF LIBVIRT_DEFAULT_URI

say "Building Ferry (release)"
swift build -c release --product ferry
ferry=$repo/.build/release/ferry

work=$dir/demo
rm -rf "$work"
mkdir -p "$work"
disk=$work/demo-vm.vmdk
say "Making a VMware disk: 2 GiB monolithicSparse VMDK with data scattered over it"
qemu-img create -q -f vmdk -o subformat=monolithicSparse,adapter_type=lsilogic "$disk" 2G
# A few recognisable regions: the first MiB, some in the middle, some near the end, and a
# zeroed range inside allocated grains (Ferry skips writing zeros).
qemu-io -f vmdk -c 'write -P 0x46 0 1M' -c 'write -P 0x52 300M 40M' -c 'write -z 310M 4M' \
    -c 'write -P 0x59 1500M 8M' -c 'write -P 0x21 2047M 1M' "$disk" >/dev/null
# Some incompressible data too: qemu-io copies it from a file of random bytes.
head -c 64M /dev/urandom >"$work/random.bin"
qemu-io -f vmdk -c "write -s $work/random.bin 700M 64M" "$disk" >/dev/null
rm -f "$work/random.bin"

say "ferry inspect $disk"
"$ferry" inspect "$disk"

image=demo-vm-disk0
rbd rm "rbd/$image@ferry-imported" >/dev/null 2>&1 || true
rbd snap purge "rbd/$image" >/dev/null 2>&1 || true
rbd rm "rbd/$image" >/dev/null 2>&1 || true
say "ferry import-disk $disk rbd/$image --verify"
"$ferry" import-disk "$disk" "rbd/$image" --verify --progress bar

say "What the cluster now holds"
rbd info "rbd/$image"
rbd image-meta list "rbd/$image"
rbd snap ls "rbd/$image"
rbd du "rbd/$image" 2>/dev/null || true

say "Oracle: rbd export of the image vs qemu-img convert -O raw of the VMDK"
ours=$(rbd export "rbd/$image" - 2>/dev/null | sha256sum | cut -d' ' -f1)
qemu-img convert -f vmdk -O raw "$disk" "$work/oracle.raw"
theirs=$(sha256sum <"$work/oracle.raw" | cut -d' ' -f1)
rm -f "$work/oracle.raw"
echo "rbd export  sha256 $ours"
echo "qemu-img    sha256 $theirs"
if [[ $ours == "$theirs" ]]; then
    say "Identical. The demo image stays in rbd/$image; the cluster keeps running in $dir."
    echo "Stop it with: bash Docker/dev/libvirt-down.sh $dir; bash Docker/dev/ceph-down.sh $dir" >&2
else
    echo "demo: MISMATCH between Ferry's image and qemu-img's reading of the disk" >&2
    exit 1
fi
