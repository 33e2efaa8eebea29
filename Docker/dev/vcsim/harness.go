package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// harness is the state shared by the control API and the SOAP frontend: an
// in-process vSphere client (vcsim's Service is a soap.RoundTripper, so calls go
// through the simulator's own handlers and locks without HTTP), where test VMs go,
// and the VMs the control API made.
type harness struct {
	model    *simulator.Model
	client   *vim25.Client
	user     string
	password string

	datacenter    string
	datacenterRef types.ManagedObjectReference
	datastore     string
	datastoreRef  types.ManagedObjectReference
	datastoreDir  string
	vmFolder      *object.Folder
	pool          *object.ResourcePool
	host          *object.HostSystem

	sessions sessionSet

	mu  sync.Mutex
	vms map[string]*testVM // by name
}

func newHarness(model *simulator.Model, user, password string) (*harness, error) {
	ctx := context.Background()
	c, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		return nil, err
	}
	h := &harness{model: model, client: c, user: user, password: password, vms: map[string]*testVM{}}
	h.sessions.keys = map[string]struct{}{}

	finder := find.NewFinder(c, false)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return nil, err
	}
	finder.SetDatacenter(dc)
	h.datacenter = dc.Name()
	h.datacenterRef = dc.Reference()

	ds, err := finder.DefaultDatastore(ctx)
	if err != nil {
		return nil, err
	}
	h.datastore = ds.Name()
	h.datastoreRef = ds.Reference()
	simDS, ok := simulator.Map.Get(ds.Reference()).(*simulator.Datastore)
	if !ok {
		return nil, fmt.Errorf("datastore %s is not in the simulator's registry", ds.Name())
	}
	h.datastoreDir = simDS.Info.GetDatastoreInfo().Url

	folders, err := dc.Folders(ctx)
	if err != nil {
		return nil, err
	}
	h.vmFolder = folders.VmFolder

	// vcsim places a VM created without a host on a random host of the cluster;
	// naming the host keeps the inventory (and runtime.host) the same at every run.
	if clusters, err := finder.ClusterComputeResourceList(ctx, "*"); err == nil && len(clusters) > 0 {
		sort.Slice(clusters, func(i, j int) bool { return clusters[i].Name() < clusters[j].Name() })
		cluster := clusters[0]
		var cr mo.ClusterComputeResource
		if err := cluster.Properties(ctx, cluster.Reference(), []string{"host", "resourcePool"}, &cr); err != nil {
			return nil, err
		}
		if len(cr.Host) == 0 || cr.ResourcePool == nil {
			return nil, fmt.Errorf("cluster %s has no host or resource pool", cluster.Name())
		}
		names := map[string]types.ManagedObjectReference{}
		var sorted []string
		for _, ref := range cr.Host {
			name, err := object.NewHostSystem(c, ref).ObjectName(ctx)
			if err != nil {
				return nil, err
			}
			names[name] = ref
			sorted = append(sorted, name)
		}
		sort.Strings(sorted)
		h.host = object.NewHostSystem(c, names[sorted[0]])
		h.pool = object.NewResourcePool(c, *cr.ResourcePool)
	} else {
		host, err := finder.DefaultHostSystem(ctx)
		if err != nil {
			return nil, err
		}
		pool, err := host.ResourcePool(ctx)
		if err != nil {
			return nil, err
		}
		h.host, h.pool = host, pool
	}
	return h, nil
}

func (h *harness) lookup(name string) *testVM {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.vms[name]
}

// byRef is the test VM a managed object belongs to: the VM itself or one of its
// snapshots (whoever made it), or nil.
func (h *harness) byRef(ref types.ManagedObjectReference) *testVM {
	if ref.Type == "VirtualMachineSnapshot" {
		snap, ok := simulator.Map.Get(ref).(*simulator.VirtualMachineSnapshot)
		if !ok {
			return nil
		}
		ref = snap.Vm
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, vm := range h.vms {
		if vm.ref == ref {
			return vm
		}
	}
	return nil
}

func (h *harness) all() []*testVM {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*testVM, 0, len(h.vms))
	for _, vm := range h.vms {
		out = append(out, vm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// simVM is the simulator's object for ref, or nil once it is gone (unregistered).
func simVM(ref types.ManagedObjectReference) *simulator.VirtualMachine {
	vm, _ := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	return vm
}

// withVM runs f holding the simulator's lock on the VM, like vcsim's own methods.
func withVM(ref types.ManagedObjectReference, f func(vm *simulator.VirtualMachine)) bool {
	vm := simVM(ref)
	if vm == nil {
		return false
	}
	simulator.Map.WithLock(vm, func() { f(vm) })
	return true
}
