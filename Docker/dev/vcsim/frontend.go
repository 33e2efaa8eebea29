package main

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// frontend sits in front of vcsim's handlers (/sdk, /folder, ...) on the simulator
// port and adds what a real host does and vcsim 0.24.2 does not:
//   - /folder needs a session (vcsim serves datastore files to anyone);
//   - RetrieveProperties(Ex) without a session is NotAuthenticated (vcsim allows it),
//     except on the SessionManager and ServiceInstance, which vCenter answers so a
//     client can see whether it is logged in;
//   - ShutdownGuest follows the VM's guest behaviour (ToolsUnavailable without running
//     tools, a guest that takes its time or never shuts down);
//   - guest.* follows the power state after every call;
//   - QueryChangedDiskAreas (cbt.go), which vcsim lacks;
//   - calls vcsim would panic on for a VM whose disks are not FlatVer2 get NotSupported;
//   - a /folder GET marked by nginx's fault port (X-Ferry-Fault: cut) loses its
//     connection halfway through the body.
type frontend struct {
	h          *harness
	mux        *http.ServeMux
	folderAuth bool
	strictAuth bool
}

// Methods that change no power state: no guest sync needed after them.
var readOnly = map[string]bool{
	"RetrieveServiceContent": true, "RetrieveProperties": true, "RetrievePropertiesEx": true,
	"ContinueRetrievePropertiesEx": true, "WaitForUpdates": true, "WaitForUpdatesEx": true,
	"CheckForUpdates": true, "CreateFilter": true, "DestroyPropertyFilter": true,
	"CreatePropertyCollector": true, "DestroyPropertyCollector": true, "CreateContainerView": true,
	"DestroyView": true, "Login": true, "Logout": true, "SessionIsActive": true, "CurrentTime": true,
	"FindByUuid": true, "FindByInventoryPath": true, "FindChild": true, "FindByDatastorePath": true,
}

// Methods that reach vcsim's updateDiskLayouts (type assertion to FlatVer2: a panic
// and a dropped connection for any other backing).
var layoutWalkers = map[string]bool{
	"ReconfigVM_Task": true, "RefreshStorageInfo": true, "RemoveSnapshot_Task": true,
	"RemoveAllSnapshots_Task": true, "Destroy_Task": true, "ConsolidateVMDisks_Task": true,
}

func (f *frontend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/folder" || strings.HasPrefix(p, "/folder/"):
		f.serveFolder(w, r)
	case (p == "/sdk" || p == "/sdk/vimService") && r.Method == http.MethodPost:
		f.serveSDK(w, r)
	default:
		f.mux.ServeHTTP(w, r)
	}
}

func (f *frontend) serveFolder(w http.ResponseWriter, r *http.Request) {
	if f.folderAuth && !f.basicValid(r) && !f.sessionValid(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="VMware HTTP server"`)
		http.Error(w, "401 Unauthorized: no valid vmware_soap_session cookie or Basic credentials", http.StatusUnauthorized)
		return
	}
	if r.Header.Get("X-Ferry-Fault") == "cut" && r.Method == http.MethodGet {
		w = &cutWriter{ResponseWriter: w, path: r.URL.Path}
	}
	f.mux.ServeHTTP(w, r)
}

func (f *frontend) serveSDK(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call, parsed := peekSOAP(body)
	if parsed {
		if f.intercept(w, r, call) {
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	f.mux.ServeHTTP(rec, r)
	f.h.sessions.record(rec.header)
	if !parsed || !readOnly[call.Method] {
		f.h.syncAllGuests()
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// intercept answers the calls the frontend handles itself; false passes the call
// on to vcsim.
func (f *frontend) intercept(w http.ResponseWriter, r *http.Request, call soapCall) bool {
	switch {
	case f.strictAuth && (call.Method == "RetrieveProperties" || call.Method == "RetrievePropertiesEx"):
		public := true
		for _, t := range call.ObjTypes {
			public = public && (t == "SessionManager" || t == "ServiceInstance")
		}
		if !public && !f.sessionValid(r) {
			writeNotAuthenticated(w, call.This)
			return true
		}
	case call.Method == "ShutdownGuest" && call.This.Type == "VirtualMachine":
		t := f.h.byRef(call.This)
		if t == nil || !f.sessionValid(r) {
			return false // vcsim answers: NotAuthenticated, ManagedObjectNotFound, ...
		}
		var on bool
		withVM(t.ref, func(vm *simulator.VirtualMachine) {
			on = vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
		})
		if !on {
			return false // vcsim answers InvalidPowerState
		}
		g := t.guest()
		switch {
		case g.Tools != "running":
			writeFault(w, "ToolsUnavailable", "Cannot complete operation because VMware Tools is not running in this virtual machine.", "")
		case g.GuestShutdown == "ignore":
			// The guest acknowledges and never powers off: a caller's timeout path.
			writeEmptyResponse(w, call.Method)
		case g.ShutdownDelayMs > 0:
			writeEmptyResponse(w, call.Method)
			f.h.shutdownLater(t, time.Duration(g.ShutdownDelayMs)*time.Millisecond)
		default:
			return false // vcsim powers off at once
		}
		log.Printf("ShutdownGuest %s (%s): tools %s, guest %s, delay %d ms", t.name, t.ref.Value, g.Tools, g.GuestShutdown, g.ShutdownDelayMs)
		return true
	case call.Method == "QueryChangedDiskAreas" && call.This.Type == "VirtualMachine":
		t := f.h.byRef(call.This)
		if t == nil || !f.sessionValid(r) {
			return false // vcsim answers: NotAuthenticated, MethodNotFound
		}
		f.queryChangedDiskAreas(w, t, call)
		return true
	case layoutWalkers[call.Method]:
		if t := f.h.byRef(call.This); t != nil && t.nonFlat {
			writeFault(w, "NotSupported", "ferry-vcsim: vcsim 0.24.2 cannot "+call.Method+" a VM whose disks are not FlatVer2 (it would panic)", "")
			return true
		}
	}
	return false
}

// bufferedResponse holds vcsim's SOAP answer until the guest state is synced, so a
// client never sees a VM powered on with its tools still "not running".
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// cutWriter passes half of a 200/206 body (by its Content-Length) and then drops
// the connection, like a host or network failing mid-transfer. http.ErrAbortHandler
// makes net/http close the connection without a log line; the flush first gets the
// half body onto the wire.
type cutWriter struct {
	http.ResponseWriter
	path    string
	armed   bool
	total   int64
	limit   int64
	written int64
	started bool
}

func (c *cutWriter) WriteHeader(status int) {
	c.started = true
	if status == http.StatusOK || status == http.StatusPartialContent {
		if n, err := strconv.ParseInt(c.Header().Get("Content-Length"), 10, 64); err == nil && n > 0 {
			c.armed, c.total, c.limit = true, n, n/2
		}
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if !c.started {
		c.WriteHeader(http.StatusOK)
	}
	if c.armed && c.written+int64(len(p)) > c.limit {
		n, _ := c.ResponseWriter.Write(p[:c.limit-c.written])
		c.written += int64(n)
		if fl, ok := c.ResponseWriter.(http.Flusher); ok {
			fl.Flush()
		}
		log.Printf("fault: cut %s after %d of %d bytes", c.path, c.written, c.total)
		panic(http.ErrAbortHandler)
	}
	n, err := c.ResponseWriter.Write(p)
	c.written += int64(n)
	return n, err
}
