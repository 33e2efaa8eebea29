#!/usr/bin/env bash
# make-vm.sh — a minimal VMware VM for exercising the job queue: DIR/NAME.vmx with one
# SCSI disk DIR/NAME.vmdk (64 MiB, sparse) holding DATA_MIB MiB of data (default 24).
# Prints the .vmx path. Used by dashboard-check.sh and the ServerTests.
#
#   bash Docker/dev/make-vm.sh DIR NAME [DATA_MIB]
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

(($# >= 2)) || die "usage: make-vm.sh DIR NAME [DATA_MIB]"
dir=$1 name=$2 data=${3:-24}
mkdir -p -- "$dir"
qemu-img create -q -f vmdk "$dir/$name.vmdk" 64M
qemu-io -f vmdk -c "write -P 0x5a 0 ${data}M" "$dir/$name.vmdk" >/dev/null
cat >"$dir/$name.vmx" <<VMX
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "$name"
memSize = "64"
numvcpus = "1"
guestOS = "otherlinux-64"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "$name.vmdk"
VMX
printf '%s\n' "$dir/$name.vmx"
