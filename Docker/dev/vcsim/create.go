package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/types"
)

// testVM is a VM made through the control API.
type testVM struct {
	name   string
	ref    types.ManagedObjectReference
	folder string // relative to the datastore
	spec   vmSpec
	// Files vcsim wrote into the folder while the VM was made (the .vmx, .nvram and
	// vmware.log it creates for every VM, a .vmsn per snapshot), and the names that
	// were there before (the test's fixtures, never deleted).
	created  []string
	fixtures map[string]bool
	// A backing vcsim cannot walk (it type-asserts every disk to FlatVer2 in
	// updateDiskLayouts and panics otherwise).
	nonFlat bool

	mu sync.Mutex
	g  guestBehaviour
}

func (t *testVM) guest() guestBehaviour {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.g
}

func (t *testVM) setGuest(g guestBehaviour) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.g = g
}

// httpError carries the status the control API answers with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...interface{}) error {
	return &httpError{400, fmt.Sprintf(format, args...)}
}

// vcsim's CreateVM creates <name>.vmx, <name>.nvram and vmware.log in the VM's
// folder and fails with FileAlreadyExists if one is there, so fixtures with those
// names are moved aside during the call and put back afterwards, byte for byte.
var vcsimCreates = []string{"%s.vmx", "%s.nvram", "vmware.log"}

const stashSuffix = ".ferry-stash"

func listDir(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// createVM builds a VM from a spec in the simulator:
//  1. CreateVM_Task with the controllers and NICs, and no disk: vcsim's disk path
//     with no fileOperation only checks that "<name minus .vmdk>-flat.vmdk" exists
//     (vdmCreateVirtualDisk), so a delta disk (vm-000001.vmdk, whose extent is
//     -delta.vmdk or -sesparse.vmdk) or a hosted sparse disk would be refused, and it
//     cannot lay out anything but FlatVer2 backings;
//  2. the disks are added into the VM's config directly (we are in the simulator's
//     process, holding its lock), with their parent chains;
//  3. snapshots by CreateSnapshot_Task, each taken with the disks at the chain level
//     they had then, so each snapshot's config names the right delta;
//  4. layout/layoutEx/storage recomputed from the descriptors on the datastore;
//  5. guest state, then PowerOnVM_Task if asked.
//
// No disk data file is created, written or truncated.
func (h *harness) createVM(ctx context.Context, spec vmSpec) (*testVM, error) {
	if err := spec.normalize(); err != nil {
		return nil, badRequest("%v", err)
	}
	h.mu.Lock()
	if _, taken := h.vms[spec.Name]; taken {
		h.mu.Unlock()
		return nil, &httpError{409, fmt.Sprintf("a VM named %s exists; DELETE /vms/%s first", spec.Name, spec.Name)}
	}
	// Reserve the name while the VM is built.
	h.vms[spec.Name] = nil
	h.mu.Unlock()
	t, err := h.build(ctx, spec)
	h.mu.Lock()
	if err != nil {
		delete(h.vms, spec.Name)
	} else {
		h.vms[spec.Name] = t
	}
	h.mu.Unlock()
	return t, err
}

func (h *harness) build(ctx context.Context, spec vmSpec) (*testVM, error) {
	dir := path.Join(h.datastoreDir, spec.Folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var stashed []string
	for _, pattern := range vcsimCreates {
		name := path.Join(dir, strings.ReplaceAll(pattern, "%s", spec.Name))
		if _, err := os.Lstat(name); err == nil {
			if err := os.Rename(name, name+stashSuffix); err != nil {
				return nil, err
			}
			stashed = append(stashed, name)
		}
	}
	restore := func() {
		for _, name := range stashed {
			if err := os.Rename(name+stashSuffix, name); err != nil {
				log.Printf("%s: putting back %s: %v", spec.Name, name, err)
			}
		}
	}
	before := listDir(dir)

	config, err := h.configSpec(ctx, spec)
	if err != nil {
		restore()
		return nil, err
	}
	ref, err := h.createInSimulator(ctx, config)
	if err != nil {
		for name := range listDir(dir) {
			if !before[name] {
				_ = os.Remove(path.Join(dir, name))
			}
		}
		restore()
		return nil, err
	}
	restore()

	fixtures := map[string]bool{}
	for name := range before {
		fixtures[name] = true
	}
	for _, name := range stashed {
		fixtures[path.Base(name)] = true
	}
	t := &testVM{name: spec.Name, ref: ref, folder: spec.Folder, spec: spec, fixtures: fixtures,
		g: guestBehaviour{Tools: spec.Tools, GuestShutdown: spec.GuestShutdown, ShutdownDelayMs: spec.ShutdownDelayMs}}
	for _, d := range spec.Disks {
		if d.Backing != "flat" {
			t.nonFlat = true
		}
	}
	cleanup := func() {
		_ = object.NewVirtualMachine(h.client, ref).Unregister(ctx)
		h.removeCreated(t, dir)
	}

	// Snapshot i is taken with every disk at chain level i (its base at level 0), so
	// a disk with parents [s2.vmdk, s1.vmdk, base.vmdk] and snapshots [a, b, c]
	// gives a -> base, b -> s1, c -> s2 and the running point on the top file.
	for i, name := range spec.Snapshots {
		withVM(ref, func(vm *simulator.VirtualMachine) { h.setDisks(vm, t, i) })
		snapTask, err := object.NewVirtualMachine(h.client, ref).CreateSnapshot(ctx, name, "", false, false)
		if err == nil {
			if _, err = snapTask.WaitForResult(ctx, nil); err == nil {
				withVM(ref, func(vm *simulator.VirtualMachine) { h.rebuildLayout(vm, false) })
			}
		}
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("snapshot %q: %w", name, err)
		}
	}
	withVM(ref, func(vm *simulator.VirtualMachine) {
		h.setDisks(vm, t, -1)
		syncGuest(vm, t.g)
	})
	if spec.PowerState == "poweredOn" {
		if err := h.power(ctx, t, "on"); err != nil {
			cleanup()
			return nil, err
		}
	}
	after := listDir(dir)
	for name := range after {
		if !before[name] {
			t.created = append(t.created, path.Join(dir, name))
		}
	}
	sort.Strings(t.created)
	return t, nil
}

func (h *harness) removeCreated(t *testVM, dir string) {
	for name := range listDir(dir) {
		if !t.fixtures[name] && vcsimWrote(t.name, name) {
			_ = os.Remove(path.Join(dir, name))
		}
	}
}

// vcsimWrote tells the files vcsim creates for a VM named vm from anything else.
func vcsimWrote(vm, file string) bool {
	switch file {
	case vm + ".vmx", vm + ".nvram", "vmware.log":
		return true
	}
	return strings.HasPrefix(file, vm+"-Snapshot") && strings.HasSuffix(file, ".vmsn")
}

// configSpec is the CreateVM_Task spec: everything but the disks.
func (h *harness) configSpec(ctx context.Context, spec vmSpec) (types.VirtualMachineConfigSpec, error) {
	config := types.VirtualMachineConfigSpec{
		Name:                  spec.Name,
		GuestId:               spec.GuestID,
		NumCPUs:               spec.NumCPUs,
		NumCoresPerSocket:     spec.NumCoresPerSocket,
		MemoryMB:              spec.MemoryMB,
		Firmware:              spec.Firmware,
		Uuid:                  spec.UUID,
		InstanceUuid:          spec.InstanceUUID,
		Version:               spec.HardwareVersion,
		Annotation:            spec.Annotation,
		ChangeTrackingEnabled: types.NewBool(spec.ChangeTracking),
		Files:                 &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s] %s/%s.vmx", h.datastore, spec.Folder, spec.Name)},
	}
	if spec.Firmware == "efi" {
		config.BootOptions = &types.VirtualMachineBootOptions{EfiSecureBootEnabled: types.NewBool(spec.SecureBoot)}
	}
	keys := make([]string, 0, len(spec.ExtraConfig))
	for k := range spec.ExtraConfig {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		config.ExtraConfig = append(config.ExtraConfig, &types.OptionValue{Key: k, Value: spec.ExtraConfig[k]})
	}
	if spec.ChangeTracking {
		// What vSphere adds to the .vmx when CBT is turned on.
		config.ExtraConfig = append(config.ExtraConfig, &types.OptionValue{Key: "ctkEnabled", Value: "TRUE"})
	}

	add := func(dev types.BaseVirtualDevice) {
		config.DeviceChange = append(config.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd,
			Device:    dev,
		})
	}
	for _, c := range spec.Controllers {
		if c.Type == "ide" {
			continue // keys 200/201 exist in every VM
		}
		add(newController(c))
	}
	finder := find.NewFinder(h.client, false)
	finder.SetDatacenter(object.NewDatacenter(h.client, h.datacenterRef))
	for i, n := range spec.NICs {
		network, err := finder.Network(ctx, n.Network)
		if err != nil {
			// vcsim dereferences a network it cannot find and panics.
			var notFound *find.NotFoundError
			if errors.As(err, &notFound) {
				return config, badRequest("nics[%d].network %q does not exist in %s", i, n.Network, h.datacenter)
			}
			return config, err
		}
		backing, err := network.EthernetCardBackingInfo(ctx)
		if err != nil {
			return config, err
		}
		dev, err := object.VirtualDeviceList{}.CreateEthernetCard(n.Type, backing)
		if err != nil {
			return config, badRequest("nics[%d]: %v", i, err)
		}
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		card.Key = 4000 + int32(i)
		card.AddressType = string(types.VirtualEthernetCardMacTypeGenerated)
		if n.MAC != "" {
			card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
			card.MacAddress = n.MAC
		}
		connected := n.Connected == nil || *n.Connected
		card.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: connected, Connected: connected, AllowGuestControl: true}
		add(dev)
	}
	return config, nil
}

func (h *harness) createInSimulator(ctx context.Context, config types.VirtualMachineConfigSpec) (types.ManagedObjectReference, error) {
	createTask, err := h.vmFolder.CreateVM(ctx, config, h.pool, h.host)
	if err != nil {
		return types.ManagedObjectReference{}, err
	}
	info, err := createTask.WaitForResult(ctx, nil)
	if err != nil {
		var taskErr task.Error
		if errors.As(err, &taskErr) {
			return types.ManagedObjectReference{}, badRequest("CreateVM_Task: %s (%T)", err, taskErr.Fault())
		}
		return types.ManagedObjectReference{}, err
	}
	return info.Result.(types.ManagedObjectReference), nil
}

// setDisks puts the spec's disks into the VM's config at chain level `level` (-1:
// the running point, the top file). Fresh device objects each time: a snapshot
// keeps the config it was taken with (vcsim copies vm.Config shallowly), so its
// disks must not be changed afterwards. Caller holds the VM's lock.
func (h *harness) setDisks(vm *simulator.VirtualMachine, t *testVM, level int) {
	spec := t.spec
	devices := object.VirtualDeviceList{}
	for _, dev := range vm.Config.Hardware.Device {
		if _, isDisk := dev.(*types.VirtualDisk); !isDisk {
			devices = append(devices, dev)
		}
	}
	for i, d := range spec.Disks {
		c := spec.Controllers[d.Controller]
		files := []string{} // base first
		for j := len(d.Parents) - 1; j >= 0; j-- {
			files = append(files, h.datastorePath(spec.Folder, d.Parents[j]))
		}
		files = append(files, h.datastorePath(spec.Folder, d.FileName))
		upTo := len(files)
		if level >= 0 && level+1 < upTo {
			upTo = level + 1
		}
		key := diskKey(c, *d.UnitNumber)
		unit := *d.UnitNumber
		disk := &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: key,
				DeviceInfo: &types.Description{
					Label:   fmt.Sprintf("Hard disk %d", i+1),
					Summary: fmt.Sprintf("%s KB", groupDigits(d.CapacityBytes/1024)),
				},
				Backing:       h.chainBacking(spec.Name, d, spec.ChangeTracking, files[:upTo]),
				ControllerKey: controllerKey(c),
				UnitNumber:    &unit,
			},
			CapacityInKB:    d.CapacityBytes / 1024,
			CapacityInBytes: d.CapacityBytes,
		}
		devices = append(devices, disk)
		if ctrl, ok := devices.FindByKey(controllerKey(c)).(types.BaseVirtualController); ok {
			vc := ctrl.GetVirtualController()
			present := false
			for _, k := range vc.Device {
				present = present || k == key
			}
			if !present {
				vc.Device = append(vc.Device, key)
			}
		}
	}
	changes := []types.PropertyChange{
		{Name: "config.hardware.device", Val: []types.BaseVirtualDevice(devices)},
		{Name: "summary.config.numVirtualDisks", Val: int32(len(spec.Disks))},
	}
	if spec.ChangeTracking {
		var extra []types.BaseOptionValue
		for _, o := range vm.Config.ExtraConfig {
			if !strings.HasSuffix(o.GetOptionValue().Key, ".ctkEnabled") {
				extra = append(extra, o)
			}
		}
		for _, d := range spec.Disks {
			c := spec.Controllers[d.Controller]
			extra = append(extra, &types.OptionValue{Key: fmt.Sprintf("%s%d:%d.ctkEnabled", controllerFamily(c.Type), c.BusNumber, *d.UnitNumber), Value: "TRUE"})
		}
		changes = append(changes, types.PropertyChange{Name: "config.extraConfig", Val: extra})
	}
	simulator.Map.Update(vm, changes)
	h.rebuildLayout(vm, level == 0 || len(spec.Snapshots) == 0)
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}
