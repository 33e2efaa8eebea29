package main

import (
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// layoutBuilder fills layoutEx.file, keeping the keys of entries that already exist,
// so layoutEx.snapshot[].dataKey (added by vcsim's CreateSnapshot) stays valid.
type layoutBuilder struct {
	h     *harness
	vm    *simulator.VirtualMachine
	files []types.VirtualMachineFileLayoutExFileInfo
}

func (b *layoutBuilder) add(dsPath, fileType string) int32 {
	var next int32
	for _, f := range b.files {
		if f.Name == dsPath {
			return f.Key
		}
		if f.Key >= next {
			next = f.Key + 1
		}
	}
	var size int64
	st, err := os.Stat(b.h.localPath(dsPath))
	if err == nil {
		size = st.Size()
	}
	b.files = append(b.files, types.VirtualMachineFileLayoutExFileInfo{
		Key:        next,
		Name:       dsPath,
		Type:       fileType,
		Size:       size,
		UniqueSize: size,
		Accessible: types.NewBool(err == nil),
	})
	return next
}

// rebuildLayout recomputes layout, layoutEx and the storage summary from the VM's
// disks and the files on the datastore. vcsim's own version (RefreshStorageInfo,
// run by CreateVM) lists every file of the folder without the folder in its
// datastore path, walks disk chains from the running point down, and guesses
// extents from names; this one reads each descriptor for its extents, lists chains
// base first and leaves unrelated files (other VMs' fixtures) out. Caller holds the
// VM's lock.
func (h *harness) rebuildLayout(vm *simulator.VirtualMachine, fresh bool) {
	b := &layoutBuilder{h: h, vm: vm}
	if !fresh {
		b.files = vm.LayoutEx.File
	}
	vmx := vm.Config.Files.VmPathName
	dir := vmx[:strings.LastIndex(vmx, "/")+1]
	b.add(vmx, string(types.VirtualMachineFileLayoutExFileTypeConfig))
	b.add(dir+vm.Name+".nvram", string(types.VirtualMachineFileLayoutExFileTypeNvram))
	if _, err := os.Stat(h.localPath(dir + vm.Name + ".vmsd")); err == nil {
		b.add(dir+vm.Name+".vmsd", string(types.VirtualMachineFileLayoutExFileTypeSnapshotList))
	}
	b.add(dir+"vmware.log", string(types.VirtualMachineFileLayoutExFileTypeLog))

	var disksEx []types.VirtualMachineFileLayoutExDiskLayout
	var disks []types.VirtualMachineFileLayoutDiskLayout
	var capacity, diskBytes int64
	for _, dev := range object.VirtualDeviceList(vm.Config.Hardware.Device).SelectByType((*types.VirtualDisk)(nil)) {
		disk := dev.(*types.VirtualDisk)
		capacity += disk.CapacityInBytes
		chain := backingChain(disk.Backing) // running point first
		layout := types.VirtualMachineFileLayoutDiskLayout{Key: disk.Key}
		layoutEx := types.VirtualMachineFileLayoutExDiskLayout{Key: disk.Key}
		for _, name := range chain {
			layout.DiskFile = append(layout.DiskFile, name)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			descriptor := chain[i]
			folder := descriptor[:strings.LastIndex(descriptor, "/")+1]
			if !strings.Contains(descriptor, "/") {
				folder = descriptor[:strings.Index(descriptor, "]")+2]
			}
			var unit types.VirtualMachineFileLayoutExDiskUnit
			for j, name := range diskFiles(h.localPath(descriptor)) {
				kind := types.VirtualMachineFileLayoutExFileTypeDiskExtent
				full := folder + name
				if j == 0 {
					kind = types.VirtualMachineFileLayoutExFileTypeDiskDescriptor
					full = descriptor
				}
				key := b.add(full, string(kind))
				unit.FileKey = append(unit.FileKey, key)
			}
			layoutEx.Chain = append(layoutEx.Chain, unit)
		}
		disks = append(disks, layout)
		disksEx = append(disksEx, layoutEx)
	}

	var committed int64
	for _, f := range b.files {
		committed += f.Size
		if f.Type == string(types.VirtualMachineFileLayoutExFileTypeDiskDescriptor) ||
			f.Type == string(types.VirtualMachineFileLayoutExFileTypeDiskExtent) {
			diskBytes += f.Size
		}
	}
	uncommitted := capacity - diskBytes
	if uncommitted < 0 {
		uncommitted = 0
	}
	now := time.Now()
	layoutEx := &types.VirtualMachineFileLayoutEx{File: b.files, Disk: disksEx, Snapshot: vm.LayoutEx.Snapshot, Timestamp: now}
	layout := &types.VirtualMachineFileLayout{
		ConfigFile: []string{vm.Name + ".nvram"},
		LogFile:    []string{"vmware.log"},
		Disk:       disks,
		Snapshot:   vm.Layout.Snapshot,
		SwapFile:   vm.Layout.SwapFile,
	}
	storage := &types.VirtualMachineStorageInfo{
		PerDatastoreUsage: []types.VirtualMachineUsageOnDatastore{{
			Datastore: h.datastoreRef, Committed: committed, Uncommitted: uncommitted, Unshared: committed,
		}},
		Timestamp: now,
	}
	summary := &types.VirtualMachineStorageSummary{Committed: committed, Uncommitted: uncommitted, Unshared: committed, Timestamp: now}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "layoutEx", Val: layoutEx},
		{Name: "layout", Val: layout},
		{Name: "storage", Val: storage},
		{Name: "summary.storage", Val: summary},
	})
}

// backingChain is the file names of a disk's backing and its parents, running point
// first.
func backingChain(backing types.BaseVirtualDeviceBackingInfo) []string {
	var names []string
	switch b := backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		for ; b != nil; b = b.Parent {
			names = append(names, b.FileName)
		}
	case *types.VirtualDiskSeSparseBackingInfo:
		for ; b != nil; b = b.Parent {
			names = append(names, b.FileName)
		}
	case *types.VirtualDiskSparseVer2BackingInfo:
		for ; b != nil; b = b.Parent {
			names = append(names, b.FileName)
		}
	case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
		for ; b != nil; b = b.Parent {
			names = append(names, b.FileName)
		}
	case types.BaseVirtualDeviceFileBackingInfo:
		names = append(names, b.GetVirtualDeviceFileBackingInfo().FileName)
	}
	return names
}
