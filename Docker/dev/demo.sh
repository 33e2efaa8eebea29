#!/usr/bin/env bash
# demo.sh — Ferry's main job on the built-in local cluster, from a fresh Debian 12 machine
# (as root): install the packages, start a one-node Ceph cluster and libvirtd, build
# Ferry, make a small VMware disk on the spot, import it into RBD and prove the image
# equals what qemu-img reads from the same disk; then migrate a whole VMware VM (.vmx with
# a boot disk, a data disk and a NIC) into a libvirt domain on RBD and watch it boot.
#
#   bash Docker/dev/demo.sh
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
cd "$repo"
dir=${FERRY_CLUSTER_DIR:-$repo/.build-cluster}
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

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
disk=$work/demo-data.vmdk
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

image=demo-data
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
if [[ $ours != "$theirs" ]]; then
    echo "demo: MISMATCH between Ferry's image and qemu-img's reading of the disk" >&2
    exit 1
fi
say "Identical."

vm=demo-vm
say "Making a VMware VM: $vm.vmx with a SCSI boot disk, a SATA data disk and a vmxnet3 NIC"
# The boot disk holds a 512-byte x86 boot sector that greets on the serial port.
python3 - "$work/boot.raw" <<'PY'
import sys
message = b"Hello from a VMware VM, now booting from Ceph RBD\r\n\0"
code = bytes([0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0xBE, 0x16, 0x7C, 0xBA, 0xF8, 0x03, 0xAC, 0x84, 0xC0,
              0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD])
sector = code + message
sector += bytes(510 - len(sector)) + b"\x55\xAA"
with open(sys.argv[1], "wb") as f:
    f.write(sector)
    f.truncate(16 << 20)
PY
qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse "$work/boot.raw" "$work/$vm.vmdk"
rm -f "$work/boot.raw"
cat >"$work/$vm.vmx" <<VMX
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "$vm"
memSize = "256"
numvcpus = "1"
guestOS = "otherlinux-64"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "$vm.vmdk"
sata0.present = "TRUE"
sata0:0.present = "TRUE"
sata0:0.fileName = "demo-data.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:12:34:56"
VMX
# A Linux bridge stands in for the VM's network on this node.
ip link show ferrydemo0 >/dev/null 2>&1 || ip link add ferrydemo0 type bridge
ip link set ferrydemo0 up
if virsh -q dominfo "$vm" >/dev/null 2>&1; then
    virsh -q destroy "$vm" >/dev/null 2>&1 || true
    virsh -q undefine "$vm" --nvram >/dev/null 2>&1 || virsh -q undefine "$vm" >/dev/null
fi
# A QEMU killed with an earlier demo's libvirtd leaves a watch on its images that the OSD
# keeps for about 30 s after the cluster comes back; rbd rm refuses (EBUSY) until then.
for i in 0 1; do
    rbd snap purge "rbd/$vm-disk$i" >/dev/null 2>&1 || true
    for attempt in $(seq 60); do
        status=0
        rbd rm --no-progress "rbd/$vm-disk$i" >/dev/null 2>&1 || status=$?
        ((status == 0 || status == 2)) && break  # removed, or there was none (ENOENT)
        ((status == 16)) || die "cannot remove rbd/$vm-disk$i left by an earlier demo (rbd rm exit $status)"
        ((attempt == 1)) && say "waiting for a stale watcher on rbd/$vm-disk$i (an earlier demo's VM) to time out"
        ((attempt == 60)) && die "rbd/$vm-disk$i is still open by another client; close it and run again"
        sleep 1
    done
done
"$ferry" inspect "$work/$vm.vmx"
say "ferry migrate $vm.vmx --pool rbd --network 'VM Network=bridge:ferrydemo0' --start"
serial=$work/$vm-serial.log
rm -f "$serial"
"$ferry" migrate "$work/$vm.vmx" --pool rbd --network 'VM Network=bridge:ferrydemo0' --serial-log "$serial" \
    --start --progress bar

say "The domain on this node"
virsh dominfo "$vm" | grep -E 'Name|UUID|State|CPU\(s\)|Max memory'
virsh domblklist "$vm" --details
virsh domiflist "$vm"
say "Its serial console (the guest booted from rbd/$vm-disk0)"
for _ in $(seq 60); do
    grep -q "Hello from a VMware VM" "$serial" 2>/dev/null && break
    sleep 1
done
cat "$serial"
grep -q "Hello from a VMware VM" "$serial" || { echo "demo: the migrated VM did not boot" >&2; exit 1; }
say "Done. Domain $vm runs on RBD; images stay in rbd/. The cluster keeps running in $dir."
echo "Stop it with: virsh destroy $vm; bash Docker/dev/libvirt-down.sh $dir; bash Docker/dev/ceph-down.sh $dir" >&2
