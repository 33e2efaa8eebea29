package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// controlAPI serves the JSON API the tests use to set the stage (README.md):
//
//	GET    /info                 datacenter, datastore and its directory, URLs
//	GET    /vms                  the test VMs
//	POST   /vms                  create one from a spec
//	GET    /vms/NAME             its state
//	DELETE /vms/NAME             power off, UnregisterVM, remove what vcsim wrote
//	POST   /vms/NAME/power       {"state": "on"|"off"}
//	POST   /vms/NAME/guest       {"tools": ..., "guestShutdown": ..., "shutdownDelayMs": ...}
//	POST   /sessions/expire      end every SOAP session (clients must log in again)
func (h *harness) controlAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		var body interface{}
		var err error
		status := http.StatusOK
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/info":
			body = h.info()
		case r.Method == http.MethodGet && r.URL.Path == "/vms":
			var list []vmState
			for _, t := range h.all() {
				if s, ok := h.state(t); ok {
					list = append(list, s)
				}
			}
			body = map[string]interface{}{"vms": list}
		case r.Method == http.MethodPost && r.URL.Path == "/vms":
			var spec vmSpec
			if err = decode(r, &spec); err == nil {
				var t *testVM
				if t, err = h.createVM(ctx, spec); err == nil {
					body, _ = h.state(t)
					status = http.StatusCreated
					log.Printf("created %s (%s) in [%s] %s", t.name, t.ref.Value, h.datastore, t.folder)
				}
			}
		case len(parts) >= 2 && parts[0] == "vms":
			t := h.lookup(parts[1])
			if t == nil {
				err = &httpError{404, fmt.Sprintf("no test VM named %s", parts[1])}
				break
			}
			switch {
			case len(parts) == 2 && r.Method == http.MethodGet:
				body, _ = h.state(t)
			case len(parts) == 2 && r.Method == http.MethodDelete:
				if err = h.deleteVM(ctx, t); err == nil {
					body = map[string]string{"deleted": t.name}
				}
			case len(parts) == 3 && parts[2] == "power" && r.Method == http.MethodPost:
				var req struct {
					State string `json:"state"`
				}
				if err = decode(r, &req); err == nil {
					if err = h.power(ctx, t, req.State); err == nil {
						body, _ = h.state(t)
					}
				}
			case len(parts) == 3 && parts[2] == "guest" && r.Method == http.MethodPost:
				g := t.guest()
				if err = decode(r, &g); err == nil {
					err = checkGuest(g)
				}
				if err == nil {
					t.setGuest(g)
					withVM(t.ref, func(vm *simulator.VirtualMachine) { syncGuest(vm, g) })
					body, _ = h.state(t)
				}
			default:
				err = &httpError{405, fmt.Sprintf("%s %s is not part of the control API", r.Method, r.URL.Path)}
			}
		case r.Method == http.MethodPost && r.URL.Path == "/sessions/expire":
			body = map[string]int{"terminated": h.expireSessions(ctx)}
		default:
			err = &httpError{404, fmt.Sprintf("%s %s is not part of the control API", r.Method, r.URL.Path)}
		}
		if err != nil {
			status = http.StatusInternalServerError
			var he *httpError
			if errors.As(err, &he) {
				status = he.status
			}
			body = map[string]string{"error": err.Error()}
			log.Printf("control: %s %s: %d %v", r.Method, r.URL.Path, status, err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(body)
	})
}

func decode(r *http.Request, into interface{}) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return badRequest("request body: %v", err)
	}
	return nil
}

func checkGuest(g guestBehaviour) error {
	if !oneOf(g.Tools, "running", "notRunning", "notInstalled") {
		return badRequest("tools %q: running, notRunning or notInstalled", g.Tools)
	}
	if !oneOf(g.GuestShutdown, "powerOff", "ignore") {
		return badRequest("guestShutdown %q: powerOff or ignore", g.GuestShutdown)
	}
	if g.ShutdownDelayMs < 0 {
		return badRequest("shutdownDelayMs must not be negative")
	}
	return nil
}

func (h *harness) info() map[string]interface{} {
	return map[string]interface{}{
		"datacenter":    h.datacenter,
		"datastore":     h.datastore,
		"datastoreDir":  h.datastoreDir,
		"user":          h.user,
		"apiType":       h.client.ServiceContent.About.ApiType,
		"apiVersion":    h.client.ServiceContent.About.ApiVersion,
		"host":          h.host.Reference().Value,
		"resourcePool":  h.pool.Reference().Value,
		"vmFolder":      h.vmFolder.Reference().Value,
		"sessionCookie": "vmware_soap_session",
	}
}

// vmState is what GET /vms/NAME answers.
type vmState struct {
	Name               string         `json:"name"`
	Moref              string         `json:"moref"`
	Folder             string         `json:"folder"`
	VmPathName         string         `json:"vmPathName"`
	PowerState         string         `json:"powerState"`
	ToolsRunningStatus string         `json:"toolsRunningStatus"`
	GuestState         string         `json:"guestState"`
	UUID               string         `json:"uuid"`
	InstanceUUID       string         `json:"instanceUuid"`
	Firmware           string         `json:"firmware"`
	Snapshots          []string       `json:"snapshots"`
	Disks              []diskState    `json:"disks"`
	Guest              guestBehaviour `json:"guestBehaviour"`
	Created            []string       `json:"createdFiles"`
}

type diskState struct {
	Key      int32    `json:"key"`
	Label    string   `json:"label"`
	Capacity int64    `json:"capacityBytes"`
	Chain    []string `json:"chain"` // running point first
}

func (h *harness) state(t *testVM) (vmState, bool) {
	s := vmState{Name: t.name, Moref: t.ref.Value, Folder: t.folder, Guest: t.guest(), Created: t.created}
	ok := withVM(t.ref, func(vm *simulator.VirtualMachine) {
		s.VmPathName = vm.Config.Files.VmPathName
		s.PowerState = string(vm.Runtime.PowerState)
		s.ToolsRunningStatus = vm.Guest.ToolsRunningStatus
		s.GuestState = vm.Guest.GuestState
		s.UUID = vm.Config.Uuid
		s.InstanceUUID = vm.Config.InstanceUuid
		s.Firmware = vm.Config.Firmware
		if vm.Snapshot != nil {
			var walk func([]types.VirtualMachineSnapshotTree)
			walk = func(tree []types.VirtualMachineSnapshotTree) {
				for _, n := range tree {
					s.Snapshots = append(s.Snapshots, n.Name)
					walk(n.ChildSnapshotList)
				}
			}
			walk(vm.Snapshot.RootSnapshotList)
		}
		for _, dev := range object.VirtualDeviceList(vm.Config.Hardware.Device).SelectByType((*types.VirtualDisk)(nil)) {
			d := dev.(*types.VirtualDisk)
			s.Disks = append(s.Disks, diskState{Key: d.Key, Label: d.DeviceInfo.GetDescription().Label,
				Capacity: d.CapacityInBytes, Chain: backingChain(d.Backing)})
		}
	})
	return s, ok
}

// power drives the VM through vcsim's own tasks; asking for the state it is in
// succeeds without a task (vcsim would fault with InvalidPowerState).
func (h *harness) power(ctx context.Context, t *testVM, state string) error {
	var current types.VirtualMachinePowerState
	if !withVM(t.ref, func(vm *simulator.VirtualMachine) { current = vm.Runtime.PowerState }) {
		return &httpError{410, fmt.Sprintf("%s is no longer registered in the simulator", t.name)}
	}
	vm := object.NewVirtualMachine(h.client, t.ref)
	var run func(context.Context) (*object.Task, error)
	switch state {
	case "on":
		if current == types.VirtualMachinePowerStatePoweredOn {
			return nil
		}
		run = vm.PowerOn
	case "off":
		if current == types.VirtualMachinePowerStatePoweredOff {
			return nil
		}
		run = vm.PowerOff
	default:
		return badRequest("state %q: on or off", state)
	}
	powerTask, err := run(ctx)
	if err == nil {
		_, err = powerTask.WaitForResult(ctx, nil)
	}
	g := t.guest()
	withVM(t.ref, func(vm *simulator.VirtualMachine) { syncGuest(vm, g) })
	return err
}

// deleteVM powers the VM off and unregisters it. Destroy_Task would also delete
// the VM's folder with the test's fixtures; UnregisterVM keeps every file, and then
// only what vcsim wrote is removed (the .vmx, .nvram and vmware.log it created, the
// .vmsn of each snapshot, also of snapshots taken over SOAP), leaving the folder as
// the test made it.
func (h *harness) deleteVM(ctx context.Context, t *testVM) error {
	if simVM(t.ref) != nil {
		if err := h.power(ctx, t, "off"); err != nil {
			return err
		}
		if _, err := methods.UnregisterVM(ctx, h.client, &types.UnregisterVM{This: t.ref}); err != nil {
			return err
		}
	}
	dir := path.Join(h.datastoreDir, t.folder)
	for name := range listDir(dir) {
		if t.fixtures[name] || !vcsimWrote(t.name, name) {
			continue
		}
		if err := os.Remove(path.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	for name := range listDir(dir) {
		if strings.HasSuffix(name, stashSuffix) {
			_ = os.Rename(path.Join(dir, name), path.Join(dir, strings.TrimSuffix(name, stashSuffix)))
		}
	}
	h.mu.Lock()
	delete(h.vms, t.name)
	h.mu.Unlock()
	log.Printf("deleted %s (%s)", t.name, t.ref.Value)
	return nil
}
