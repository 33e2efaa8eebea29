package main

import (
	"context"
	"log"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// vcsim 0.24.2 leaves every VM at toolsNotInstalled/guestToolsNotRunning whatever its
// power state, and its ShutdownGuest powers the VM off at once without looking at
// the tools. A real host needs running tools for ShutdownGuest (else the fault
// ToolsUnavailable), and the guest takes its time. Each test VM says how its guest
// behaves (tools, guestShutdown, shutdownDelayMs); syncGuest makes guest.* follow
// the power state, and the frontend answers ShutdownGuest accordingly.

type guestBehaviour struct {
	Tools           string `json:"tools"`           // running, notRunning, notInstalled
	GuestShutdown   string `json:"guestShutdown"`   // powerOff, ignore
	ShutdownDelayMs int    `json:"shutdownDelayMs"` // before the guest powers off
}

// syncGuest sets the VM's tools and guest state from its power state and its
// guest behaviour; only changed properties are updated, so property collectors see
// no spurious changes. Caller holds the VM's lock.
func syncGuest(vm *simulator.VirtualMachine, g guestBehaviour) {
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	toolsStatus := types.VirtualMachineToolsStatusToolsNotInstalled
	versionStatus := string(types.VirtualMachineToolsVersionStatusGuestToolsNotInstalled)
	version := "0"
	running := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	guestState := "notRunning"
	heartbeat := types.ManagedEntityStatusGray
	if g.Tools != "notInstalled" {
		toolsStatus = types.VirtualMachineToolsStatusToolsNotRunning
		versionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)
		version = "12352" // VMware Tools 12.3.0
		if on && g.Tools == "running" {
			toolsStatus = types.VirtualMachineToolsStatusToolsOk
			running = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			guestState = "running"
			heartbeat = types.ManagedEntityStatusGreen
		}
	}
	if vm.Guest == nil {
		vm.Guest = &types.GuestInfo{}
	}
	if vm.Summary.Guest == nil {
		vm.Summary.Guest = &types.VirtualMachineGuestSummary{}
	}
	var changes []types.PropertyChange
	set := func(name string, current, wanted interface{}) {
		if current != wanted {
			changes = append(changes, types.PropertyChange{Name: name, Val: wanted})
		}
	}
	set("guest.toolsStatus", vm.Guest.ToolsStatus, toolsStatus)
	set("guest.toolsVersionStatus2", vm.Guest.ToolsVersionStatus2, versionStatus)
	set("guest.toolsVersion", vm.Guest.ToolsVersion, version)
	set("guest.toolsRunningStatus", vm.Guest.ToolsRunningStatus, running)
	set("guest.guestState", vm.Guest.GuestState, guestState)
	set("summary.guest.toolsStatus", vm.Summary.Guest.ToolsStatus, toolsStatus)
	set("summary.guest.toolsVersionStatus2", vm.Summary.Guest.ToolsVersionStatus2, versionStatus)
	set("summary.guest.toolsRunningStatus", vm.Summary.Guest.ToolsRunningStatus, running)
	set("summary.quickStats.guestHeartbeatStatus", vm.Summary.QuickStats.GuestHeartbeatStatus, heartbeat)
	if len(changes) > 0 {
		simulator.Map.Update(vm, changes)
	}
}

// syncAllGuests runs after every SOAP call that may have changed a power state
// (PowerOnVM_Task, PowerOffVM_Task, ResetVM_Task, ShutdownGuest, ...): vcsim runs
// tasks to completion inside the call, so the state is final by then, and the
// response is held back until this is done.
func (h *harness) syncAllGuests() {
	for _, t := range h.all() {
		g := t.guest()
		withVM(t.ref, func(vm *simulator.VirtualMachine) { syncGuest(vm, g) })
	}
}

// shutdownLater lets the guest take delay to power off after ShutdownGuest, as a
// real guest does; vcsim's own ShutdownGuest then does the power-off (and posts
// VmGuestShutdownEvent).
func (h *harness) shutdownLater(t *testVM, delay time.Duration) {
	time.AfterFunc(delay, func() {
		var on bool
		withVM(t.ref, func(vm *simulator.VirtualMachine) {
			on = vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
		})
		if !on || t.guest().GuestShutdown != "powerOff" {
			return
		}
		if _, err := methods.ShutdownGuest(context.Background(), h.client, &types.ShutdownGuest{This: t.ref}); err != nil {
			log.Printf("%s: delayed guest shutdown: %v", t.name, err)
		}
		h.syncAllGuests()
	})
}
