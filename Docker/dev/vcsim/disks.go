package main

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// Device keys as ESXi hands them out, so that what Ferry reads looks like a real VM:
// controllers SCSI 1000+bus, SATA 15000+bus, NVMe 31000+bus, IDE 200+bus (vcsim's
// default IDE controllers); disks 2000+16*bus+unit behind SCSI, 3000+2*bus+unit behind
// IDE, 16000+30*bus+unit behind SATA, 32000+15*bus+unit behind NVMe; NICs 4000+n.
func controllerKey(c controllerSpec) int32 {
	switch controllerFamily(c.Type) {
	case "sata":
		return 15000 + c.BusNumber
	case "nvme":
		return 31000 + c.BusNumber
	case "ide":
		return 200 + c.BusNumber
	}
	return 1000 + c.BusNumber
}

func diskKey(c controllerSpec, unit int32) int32 {
	switch controllerFamily(c.Type) {
	case "sata":
		return 16000 + 30*c.BusNumber + unit
	case "nvme":
		return 32000 + 15*c.BusNumber + unit
	case "ide":
		return 3000 + 2*c.BusNumber + unit
	}
	return 2000 + 16*c.BusNumber + unit
}

// newController is the device for one controllers[] entry (IDE ones exist already:
// vcsim, like ESXi, gives every VM two IDE controllers, keys 200 and 201).
func newController(c controllerSpec) types.BaseVirtualDevice {
	base := types.VirtualController{
		VirtualDevice: types.VirtualDevice{Key: controllerKey(c), ControllerKey: 100},
		BusNumber:     c.BusNumber,
	}
	scsi := types.VirtualSCSIController{
		VirtualController:  base,
		HotAddRemove:       types.NewBool(true),
		SharedBus:          types.VirtualSCSISharingNoSharing,
		ScsiCtlrUnitNumber: 7,
	}
	switch c.Type {
	case "pvscsi":
		return &types.ParaVirtualSCSIController{VirtualSCSIController: scsi}
	case "lsilogic":
		return &types.VirtualLsiLogicController{VirtualSCSIController: scsi}
	case "lsilogic-sas":
		return &types.VirtualLsiLogicSASController{VirtualSCSIController: scsi}
	case "buslogic":
		return &types.VirtualBusLogicController{VirtualSCSIController: scsi}
	case "sata":
		return &types.VirtualAHCIController{VirtualSATAController: types.VirtualSATAController{VirtualController: base}}
	case "nvme":
		return &types.VirtualNVMEController{VirtualController: base}
	}
	return nil
}

// datastorePath names a disk file the way vSphere does ("[LocalDS_0] vm1/vm1.vmdk"):
// names are relative to the VM's folder unless they already are datastore paths.
func (h *harness) datastorePath(folder, name string) string {
	if strings.HasPrefix(name, "[") {
		return name
	}
	return fmt.Sprintf("[%s] %s", h.datastore, path.Join(folder, name))
}

// localPath is where a datastore path of our one datastore lives on this machine.
func (h *harness) localPath(dsPath string) string {
	rest := strings.TrimPrefix(dsPath, "["+h.datastore+"]")
	return path.Join(h.datastoreDir, strings.TrimSpace(rest))
}

// Stable identifiers derived from the VM and file names: the inventory is the same
// at every run, and two disks never share a uuid.
func derived(parts ...string) [20]byte { return sha1.Sum([]byte(strings.Join(parts, "\x00"))) }

func diskUUID(vmName, file string) string {
	b := derived("uuid", vmName, file)
	return fmt.Sprintf("6000C29%x-%x-%x-%x-%x", b[0]>>4, b[1:3], b[3:5], b[5:7], b[7:13])
}

func contentID(vmName, file string) string {
	b := derived("content", vmName, file)
	return fmt.Sprintf("%x", b[:16])
}

func changeID(vmName, file string) string {
	b := derived("change", vmName, file)
	hexes := make([]string, 16)
	for i := range hexes {
		hexes[i] = fmt.Sprintf("%02x", b[i])
	}
	hexes[0] = "52"
	return strings.Join(hexes[:8], " ") + "-" + strings.Join(hexes[8:], " ") + "/2"
}

// chainBacking is the backing of a disk whose running point is chain[len-1], with
// chain[0] the base disk: each element's parent is the one before it, all of the
// disk's backing type, the delta disks marked with the delta format — what vSphere
// shows for a VM with snapshots.
func (h *harness) chainBacking(vmName string, d diskSpec, changeTracking bool, chain []string) types.BaseVirtualDeviceBackingInfo {
	var flat *types.VirtualDiskFlatVer2BackingInfo
	var se *types.VirtualDiskSeSparseBackingInfo
	var sparse *types.VirtualDiskSparseVer2BackingInfo
	var rdm *types.VirtualDiskRawDiskMappingVer1BackingInfo
	ds := h.datastoreRef
	for i, file := range chain {
		fileInfo := types.VirtualDeviceFileBackingInfo{FileName: file, Datastore: &ds}
		uuid, content := diskUUID(vmName, file), contentID(vmName, file)
		change := ""
		if changeTracking {
			change = changeID(vmName, file)
		}
		if i == len(chain)-1 {
			if d.UUID != "" {
				uuid = d.UUID
			}
			if d.ChangeID != "" {
				change = d.ChangeID
			}
		}
		delta := ""
		if i > 0 {
			delta = d.DeltaDiskFormat
		}
		switch d.Backing {
		case "flat":
			flat = &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: fileInfo,
				DiskMode:                     d.DiskMode,
				Split:                        types.NewBool(false),
				WriteThrough:                 types.NewBool(false),
				ThinProvisioned:              types.NewBool(d.Thin),
				EagerlyScrub:                 types.NewBool(false),
				Uuid:                         uuid,
				ContentId:                    content,
				ChangeId:                     change,
				Parent:                       flat,
				DeltaDiskFormat:              delta,
				DigestEnabled:                types.NewBool(false),
				Sharing:                      "sharingNone",
			}
			if delta == "seSparseFormat" {
				flat.DeltaGrainSize = 8
			}
		case "seSparse":
			se = &types.VirtualDiskSeSparseBackingInfo{
				VirtualDeviceFileBackingInfo: fileInfo,
				DiskMode:                     d.DiskMode,
				WriteThrough:                 types.NewBool(false),
				Uuid:                         uuid,
				ContentId:                    content,
				ChangeId:                     change,
				Parent:                       se,
				DeltaDiskFormat:              delta,
				DigestEnabled:                types.NewBool(false),
				GrainSize:                    8,
			}
		case "sparse":
			var used int64
			if st, err := os.Stat(h.localPath(file)); err == nil {
				used = st.Size() / 1024
			}
			sparse = &types.VirtualDiskSparseVer2BackingInfo{
				VirtualDeviceFileBackingInfo: fileInfo,
				DiskMode:                     d.DiskMode,
				Split:                        types.NewBool(false),
				WriteThrough:                 types.NewBool(false),
				SpaceUsedInKB:                used,
				Uuid:                         uuid,
				ContentId:                    content,
				ChangeId:                     change,
				Parent:                       sparse,
			}
		case "rdm", "rdmp":
			rdm = &types.VirtualDiskRawDiskMappingVer1BackingInfo{
				VirtualDeviceFileBackingInfo: fileInfo,
				LunUuid:                      fmt.Sprintf("0200000000%x", derived("lun", d.DeviceName)),
				DeviceName:                   d.DeviceName,
				CompatibilityMode:            d.CompatibilityMode,
				DiskMode:                     d.DiskMode,
				Uuid:                         uuid,
				ContentId:                    content,
				ChangeId:                     change,
				Parent:                       rdm,
				DeltaDiskFormat:              delta,
				Sharing:                      "sharingNone",
			}
		}
	}
	switch d.Backing {
	case "seSparse":
		return se
	case "sparse":
		return sparse
	case "rdm", "rdmp":
		return rdm
	}
	return flat
}

// An extent line of a VMDK descriptor: access, size in sectors, type, "file"[, offset].
var extentLine = regexp.MustCompile(`^\s*(RW|RDONLY|NOACCESS)\s+\d+\s+(\S+)(?:\s+"([^"]*)")?`)

// diskFiles lists the files of one disk-unit as layoutEx shows them: the descriptor
// first, then the extents its text names (-flat, -delta, -sesparse, -rdm, -rdmp or
// the 2GB pieces of a split disk), found by reading the descriptor as ESXi does. A
// hosted sparse disk ("KDMV") or an unreadable descriptor is one file.
func diskFiles(localDescriptor string) []string {
	files := []string{path.Base(localDescriptor)}
	f, err := os.Open(localDescriptor)
	if err != nil {
		return files
	}
	defer f.Close()
	head := make([]byte, 64*1024)
	n, _ := f.Read(head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte("KDMV")) || bytes.HasPrefix(head, []byte("COWD")) {
		return files
	}
	seen := map[string]bool{files[0]: true}
	scanner := bufio.NewScanner(bytes.NewReader(head))
	for scanner.Scan() {
		m := extentLine.FindStringSubmatch(scanner.Text())
		if m == nil || m[2] == "ZERO" || m[3] == "" || seen[m[3]] {
			continue
		}
		seen[m[3]] = true
		files = append(files, m[3])
	}
	return files
}
