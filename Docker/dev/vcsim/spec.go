package main

import (
	"fmt"
	"path"
	"strings"
)

// vmSpec is the body of POST /vms. Everything but name, and capacityBytes and
// fileName of each disk, has a default. README.md documents the fields.
type vmSpec struct {
	Name              string            `json:"name"`
	Folder            string            `json:"folder"`
	GuestID           string            `json:"guestId"`
	NumCPUs           int32             `json:"numCPUs"`
	NumCoresPerSocket int32             `json:"numCoresPerSocket"`
	MemoryMB          int64             `json:"memoryMB"`
	Firmware          string            `json:"firmware"`
	SecureBoot        bool              `json:"secureBoot"`
	UUID              string            `json:"uuid"`
	InstanceUUID      string            `json:"instanceUuid"`
	HardwareVersion   string            `json:"hardwareVersion"`
	Annotation        string            `json:"annotation"`
	PowerState        string            `json:"powerState"`
	Tools             string            `json:"tools"`
	GuestShutdown     string            `json:"guestShutdown"`
	ShutdownDelayMs   int               `json:"shutdownDelayMs"`
	Controllers       []controllerSpec  `json:"controllers"`
	Disks             []diskSpec        `json:"disks"`
	NICs              []nicSpec         `json:"nics"`
	Snapshots         []string          `json:"snapshots"`
	ChangeTracking    bool              `json:"changeTracking"`
	ExtraConfig       map[string]string `json:"extraConfig"`
}

type controllerSpec struct {
	Type      string `json:"type"`
	BusNumber int32  `json:"busNumber"`
}

type diskSpec struct {
	Controller        int      `json:"controller"`
	UnitNumber        *int32   `json:"unitNumber"`
	FileName          string   `json:"fileName"`
	CapacityBytes     int64    `json:"capacityBytes"`
	Backing           string   `json:"backing"`
	DiskMode          string   `json:"diskMode"`
	Thin              bool     `json:"thin"`
	Parents           []string `json:"parents"`
	DeltaDiskFormat   string   `json:"deltaDiskFormat"`
	UUID              string   `json:"uuid"`
	ChangeID          string   `json:"changeId"`
	CompatibilityMode string   `json:"compatibilityMode"`
	DeviceName        string   `json:"deviceName"`
	ChangedAreas      []area   `json:"changedAreas"`
}

type area struct {
	Start  int64 `json:"start"`
	Length int64 `json:"length"`
}

type nicSpec struct {
	Type      string `json:"type"`
	MAC       string `json:"mac"`
	Network   string `json:"network"`
	Connected *bool  `json:"connected"`
}

// Unit numbers each controller type offers (SCSI's 7 is the controller itself).
var unitLimits = map[string]int32{
	"pvscsi": 16, "lsilogic": 16, "lsilogic-sas": 16, "buslogic": 16,
	"sata": 30, "nvme": 15, "ide": 2,
}

func oneOf(value string, allowed ...string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	return false
}

// normalize fills in defaults and rejects what the simulator would choke on or a
// real host would refuse, with a message naming the field.
func (s *vmSpec) normalize() error {
	if s.Name == "" || strings.ContainsAny(s.Name, "/[]") {
		return fmt.Errorf("name: required, without '/', '[' or ']'")
	}
	if s.Folder == "" {
		s.Folder = s.Name
	}
	if path.IsAbs(s.Folder) || strings.Contains(s.Folder, "..") || strings.ContainsAny(s.Folder, "[]") {
		return fmt.Errorf("folder %q: must be relative to the datastore, without '..'", s.Folder)
	}
	s.Folder = path.Clean(s.Folder)
	if s.GuestID == "" {
		s.GuestID = "otherGuest64"
	}
	if s.NumCPUs == 0 {
		s.NumCPUs = 1
	}
	if s.NumCoresPerSocket == 0 {
		s.NumCoresPerSocket = 1
	}
	if s.NumCPUs%s.NumCoresPerSocket != 0 {
		return fmt.Errorf("numCPUs %d is not a multiple of numCoresPerSocket %d", s.NumCPUs, s.NumCoresPerSocket)
	}
	if s.MemoryMB == 0 {
		s.MemoryMB = 1024
	}
	if s.Firmware == "" {
		s.Firmware = "bios"
	}
	if !oneOf(s.Firmware, "bios", "efi") {
		return fmt.Errorf("firmware %q: bios or efi", s.Firmware)
	}
	if s.SecureBoot && s.Firmware != "efi" {
		return fmt.Errorf("secureBoot needs firmware efi")
	}
	if s.PowerState == "" {
		s.PowerState = "poweredOff"
	}
	if !oneOf(s.PowerState, "poweredOn", "poweredOff") {
		return fmt.Errorf("powerState %q: poweredOn or poweredOff", s.PowerState)
	}
	if s.Tools == "" {
		s.Tools = "running"
	}
	if !oneOf(s.Tools, "running", "notRunning", "notInstalled") {
		return fmt.Errorf("tools %q: running, notRunning or notInstalled", s.Tools)
	}
	if s.GuestShutdown == "" {
		s.GuestShutdown = "powerOff"
	}
	if !oneOf(s.GuestShutdown, "powerOff", "ignore") {
		return fmt.Errorf("guestShutdown %q: powerOff or ignore", s.GuestShutdown)
	}
	if s.ShutdownDelayMs < 0 {
		return fmt.Errorf("shutdownDelayMs must not be negative")
	}

	type slot struct {
		bus  string
		unit int32
	}
	seenBus := map[string]bool{}
	for i, c := range s.Controllers {
		if _, ok := unitLimits[c.Type]; !ok {
			return fmt.Errorf("controllers[%d].type %q: pvscsi, lsilogic, lsilogic-sas, buslogic, sata, nvme or ide", i, c.Type)
		}
		family := controllerFamily(c.Type)
		limit := map[string]int32{"scsi": 4, "sata": 4, "nvme": 4, "ide": 2}[family]
		if c.BusNumber < 0 || c.BusNumber >= limit {
			return fmt.Errorf("controllers[%d].busNumber %d: 0..%d for %s", i, c.BusNumber, limit-1, family)
		}
		key := fmt.Sprintf("%s%d", family, c.BusNumber)
		if seenBus[key] {
			return fmt.Errorf("controllers[%d]: a %s controller with bus number %d is already listed", i, family, c.BusNumber)
		}
		seenBus[key] = true
	}

	used := map[slot]bool{}
	for i := range s.Disks {
		d := &s.Disks[i]
		where := fmt.Sprintf("disks[%d]", i)
		if d.Controller < 0 || d.Controller >= len(s.Controllers) {
			return fmt.Errorf("%s.controller %d: index into controllers (%d listed)", where, d.Controller, len(s.Controllers))
		}
		c := s.Controllers[d.Controller]
		limit := unitLimits[c.Type]
		if d.UnitNumber == nil {
			var next int32
			for ; next < limit; next++ {
				if controllerFamily(c.Type) == "scsi" && next == 7 {
					continue
				}
				if !used[slot{fmt.Sprint(d.Controller), next}] {
					break
				}
			}
			d.UnitNumber = &next
		}
		u := *d.UnitNumber
		if u < 0 || u >= limit || (controllerFamily(c.Type) == "scsi" && u == 7) {
			return fmt.Errorf("%s.unitNumber %d is not a free unit of a %s controller", where, u, c.Type)
		}
		if used[slot{fmt.Sprint(d.Controller), u}] {
			return fmt.Errorf("%s: unit %d of controller %d is already taken", where, u, d.Controller)
		}
		used[slot{fmt.Sprint(d.Controller), u}] = true
		if d.FileName == "" {
			return fmt.Errorf("%s.fileName: required (the top-level descriptor, relative to the VM folder)", where)
		}
		if d.CapacityBytes <= 0 {
			return fmt.Errorf("%s.capacityBytes: required, > 0", where)
		}
		if d.Backing == "" {
			d.Backing = "flat"
		}
		if !oneOf(d.Backing, "flat", "sparse", "seSparse", "rdm", "rdmp") {
			return fmt.Errorf("%s.backing %q: flat, sparse, seSparse, rdm or rdmp", where, d.Backing)
		}
		if d.DiskMode == "" {
			d.DiskMode = "persistent"
			if d.Backing == "rdmp" {
				d.DiskMode = "independent_persistent"
			}
		}
		if !oneOf(d.DiskMode, "persistent", "independent_persistent", "independent_nonpersistent", "nonpersistent", "undoable", "append") {
			return fmt.Errorf("%s.diskMode %q is not a vSphere disk mode", where, d.DiskMode)
		}
		if d.DeltaDiskFormat == "" && len(d.Parents) > 0 {
			d.DeltaDiskFormat = "redoLogFormat"
			if d.Backing == "seSparse" {
				d.DeltaDiskFormat = "seSparseFormat"
			}
		}
		if d.DeltaDiskFormat != "" && !oneOf(d.DeltaDiskFormat, "redoLogFormat", "nativeFormat", "seSparseFormat", "vsanSparseFormat") {
			return fmt.Errorf("%s.deltaDiskFormat %q: redoLogFormat, nativeFormat, seSparseFormat or vsanSparseFormat", where, d.DeltaDiskFormat)
		}
		if d.Backing == "rdm" || d.Backing == "rdmp" {
			if d.CompatibilityMode == "" {
				d.CompatibilityMode = map[string]string{"rdm": "virtualMode", "rdmp": "physicalMode"}[d.Backing]
			}
			if d.DeviceName == "" {
				d.DeviceName = fmt.Sprintf("/vmfs/devices/disks/naa.6000c29%025x", i+1)
			}
		}
		for _, name := range append([]string{d.FileName}, d.Parents...) {
			if strings.Contains(name, "..") {
				return fmt.Errorf("%s: file name %q must not contain '..'", where, name)
			}
		}
	}
	for i := range s.NICs {
		n := &s.NICs[i]
		if n.Type == "" {
			n.Type = "vmxnet3"
		}
		if !oneOf(n.Type, "vmxnet3", "e1000e", "e1000", "vmxnet2", "pcnet32") {
			return fmt.Errorf("nics[%d].type %q: vmxnet3, e1000e, e1000, vmxnet2 or pcnet32", i, n.Type)
		}
		if n.Network == "" {
			n.Network = "VM Network"
		}
	}
	return nil
}

func controllerFamily(kind string) string {
	switch kind {
	case "sata", "nvme", "ide":
		return kind
	}
	return "scsi"
}
