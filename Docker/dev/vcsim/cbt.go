package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// vcsim 0.24.2 has no QueryChangedDiskAreas (MethodNotFound). The frontend answers it
// for test VMs with change tracking on, from the disk's spec:
//   - changedAreas given: those, whatever the changeId (a test states what "changed");
//   - else changeId "*" (all allocated areas, what a first full copy asks): the data
//     regions of the base disk's flat extent (SEEK_DATA/SEEK_HOLE, so a sparse fixture
//     file reads as mostly unallocated), or the whole disk when the disk is not one flat
//     file;
//   - else nothing changed.
// The answer covers the rest of the disk from startOffset in one DiskChangeInfo.

const (
	seekData = 3 // SEEK_DATA, Linux
	seekHole = 4 // SEEK_HOLE
)

func (f *frontend) queryChangedDiskAreas(w http.ResponseWriter, t *testVM, call soapCall) {
	key, err1 := strconv.ParseInt(call.Args["deviceKey"], 10, 32)
	start, err2 := strconv.ParseInt(call.Args["startOffset"], 10, 64)
	changeID := call.Args["changeId"]
	if err1 != nil || err2 != nil || changeID == "" {
		writeFault(w, "InvalidArgument", "deviceKey, startOffset and changeId are required", "<invalidProperty>deviceKey</invalidProperty>")
		return
	}
	var disk *diskSpec
	for i := range t.spec.Disks {
		d := &t.spec.Disks[i]
		if int64(diskKey(t.spec.Controllers[d.Controller], *d.UnitNumber)) == key {
			disk = d
		}
	}
	if disk == nil {
		writeFault(w, "InvalidArgument", fmt.Sprintf("no disk with key %d", key), "<invalidProperty>deviceKey</invalidProperty>")
		return
	}
	var tracking bool
	withVM(t.ref, func(vm *simulator.VirtualMachine) {
		tracking = vm.Config.ChangeTrackingEnabled != nil && *vm.Config.ChangeTrackingEnabled
	})
	if !tracking {
		// What ESXi answers when the disk has no -ctk.vmdk.
		writeFault(w, "FileFault", fmt.Sprintf("Error caused by file %s (change tracking is off)", disk.FileName),
			fmt.Sprintf("<file>%s</file>", xmlEscape(disk.FileName)))
		return
	}
	capacity := disk.CapacityBytes
	if start < 0 || start >= capacity {
		writeFault(w, "InvalidArgument", fmt.Sprintf("startOffset %d is outside the disk (%d bytes)", start, capacity), "<invalidProperty>startOffset</invalidProperty>")
		return
	}
	var areas []area
	switch {
	case len(disk.ChangedAreas) > 0:
		areas = disk.ChangedAreas
	case changeID == "*":
		areas = f.allocated(t, disk)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<returnval><startOffset>%d</startOffset><length>%d</length>", start, capacity-start)
	sort.Slice(areas, func(i, j int) bool { return areas[i].Start < areas[j].Start })
	for _, a := range areas {
		from, to := a.Start, a.Start+a.Length
		if from < start {
			from = start
		}
		if to > capacity {
			to = capacity
		}
		if to > from {
			fmt.Fprintf(&b, "<changedArea><start>%d</start><length>%d</length></changedArea>", from, to-from)
		}
	}
	b.WriteString("</returnval>")
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `%s<QueryChangedDiskAreasResponse xmlns="urn:vim25">%s</QueryChangedDiskAreasResponse>%s`, envelopeStart, b.String(), envelopeEnd)
}

// allocated is the data regions of a disk made of one flat extent and no parents,
// else the whole disk.
func (f *frontend) allocated(t *testVM, d *diskSpec) []area {
	whole := []area{{0, d.CapacityBytes}}
	if d.Backing != "flat" || len(d.Parents) > 0 {
		return whole
	}
	descriptor := f.h.localPath(f.h.datastorePath(t.folder, d.FileName))
	files := diskFiles(descriptor)
	if len(files) != 2 {
		return whole
	}
	extent, err := os.Open(descriptor[:strings.LastIndex(descriptor, "/")+1] + files[1])
	if err != nil {
		return whole
	}
	defer extent.Close()
	var areas []area
	for offset := int64(0); offset < d.CapacityBytes; {
		data, err := extent.Seek(offset, seekData)
		if err != nil { // ENXIO: no data after offset
			break
		}
		hole, err := extent.Seek(data, seekHole)
		if err != nil {
			hole, _ = extent.Seek(0, io.SeekEnd)
		}
		if hole > d.CapacityBytes {
			hole = d.CapacityBytes
		}
		if hole > data {
			areas = append(areas, area{data, hole - data})
		}
		offset = hole
	}
	return areas
}
