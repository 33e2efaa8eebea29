// ferry-vcsim: govmomi's vCenter/ESXi simulator (vcsim 0.24.2, built from Debian's
// golang-github-vmware-govmomi-dev) with what Ferry's tests need on top: a required
// password, an empty and deterministic inventory, a JSON control API that builds test VMs
// around fixture disk files, and the vSphere behaviour vcsim leaves out (session checks on
// /folder and RetrievePropertiesEx, VMware Tools and ShutdownGuest, disk chains, layoutEx).
// See README.md beside this file. Started by Docker/dev/vcsim-up.sh.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	listen := flag.String("listen", "127.0.0.1:18989", "address of the simulator (/sdk, /folder), plain HTTP")
	control := flag.String("control", "127.0.0.1:18990", "address of the JSON control API")
	modelName := flag.String("model", "vpx", "inventory model: vpx (vCenter: DC0, cluster DC0_C0) or esx (standalone host: ha-datacenter)")
	user := flag.String("user", "ferry", "the only user name Login accepts")
	passwordFile := flag.String("password-file", "", "file holding the password Login requires (required; never given on the command line, so that it does not show in ps)")
	idle := flag.Duration("session-idle-timeout", 0, "expire sessions idle this long (0: never); POST /sessions/expire ends them on demand")
	folderAuth := flag.Bool("folder-auth", true, "require a valid session cookie or Basic credentials on /folder, as ESXi and vCenter do")
	strictAuth := flag.Bool("strict-auth", true, "answer NotAuthenticated to RetrieveProperties(Ex) without a session, as vCenter does (vcsim lets them through)")
	trace := flag.Bool("trace", false, "log every SOAP request and response (vcsim's Trace) to stderr")
	flag.Parse()

	if *passwordFile == "" {
		log.Fatal("-password-file is required")
	}
	raw, err := os.ReadFile(*passwordFile)
	if err != nil {
		log.Fatalf("reading the password: %v", err)
	}
	password := strings.TrimRight(string(raw), "\r\n")
	if password == "" {
		log.Fatalf("%s is empty", *passwordFile)
	}

	var model *simulator.Model
	switch *modelName {
	case "vpx":
		model = simulator.VPX()
	case "esx":
		model = simulator.ESX()
	default:
		log.Fatalf("unknown -model %q (vpx or esx)", *modelName)
	}
	// No VMs from the model: every VM is made by a test through the control API, so
	// the inventory is the same at every start.
	model.Machine = 0
	model.Autostart = false
	simulator.Trace = *trace
	simulator.SessionIdleTimeout = *idle

	// The datastore's directory is created under $TMPDIR (vcsim names it
	// govcsim-<datacenter>-LocalDS_0-<random>); vcsim-up.sh points TMPDIR into the
	// cluster directory and reads the actual path from GET /info.
	if err := model.Create(); err != nil {
		log.Fatalf("creating the inventory: %v", err)
	}
	defer model.Remove()

	login := url.UserPassword(*user, password)
	model.Service.Listen = &url.URL{Scheme: "http", Host: *listen, User: login}
	// NewServer registers vcsim's handlers on Service.ServeMux and points the session
	// manager's host name at the listen address; it serves that mux directly, so we
	// close its listener and serve the mux ourselves behind the frontend that adds
	// what vcsim does not model.
	sim := model.Service.NewServer()
	sim.Close()

	h, err := newHarness(model, *user, password)
	if err != nil {
		log.Fatalf("inspecting the inventory: %v", err)
	}
	front := &frontend{h: h, mux: model.Service.ServeMux, folderAuth: *folderAuth, strictAuth: *strictAuth}

	sdkListener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listening on %s: %v", *listen, err)
	}
	controlListener, err := net.Listen("tcp", *control)
	if err != nil {
		log.Fatalf("listening on %s: %v", *control, err)
	}
	servers := []*http.Server{
		{Handler: front, ReadHeaderTimeout: 30 * time.Second},
		{Handler: h.controlAPI(), ReadHeaderTimeout: 30 * time.Second},
	}
	errs := make(chan error, 2)
	go func() { errs <- servers[0].Serve(sdkListener) }()
	go func() { errs <- servers[1].Serve(controlListener) }()
	log.Printf("ready: sdk http://%s/sdk (model %s, datacenter %s, datastore %s at %s), control http://%s",
		*listen, *modelName, h.datacenter, h.datastore, h.datastoreDir, *control)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-signals:
		log.Printf("%v: shutting down", s)
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Printf("serving: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(ctx)
	}
	fmt.Fprintln(os.Stderr, "ferry-vcsim: stopped")
}
