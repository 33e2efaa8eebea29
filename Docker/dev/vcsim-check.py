#!/usr/bin/env python3
"""Checks the vSphere simulator harness for real, from the outside, as Ferry will use it.

    vcsim-check.py        (reads the FERRY_VCSIM_* and FERRY_NGINX_ACCESS_LOG variables)

SOAP over the nginx TLS port and directly: RetrieveServiceContent, Login with the right
and a wrong password (InvalidLogin), NotAuthenticated without a session. The control
API: a VM whose disks point at fixture files written into the datastore folder (a flat
disk, and a two-level snapshot chain), the files byte-identical afterwards, the backing
chain and layoutEx as SOAP shows them. /folder with a Range header through each port
(206 and the exact bytes), HEAD, 404, 401 without a session. Power on/off through the
control API; ShutdownGuest with tools running and not running; a session ended by
POST /sessions/expire; QueryChangedDiskAreas. The faults port: 503s and dropped connections (and cut bodies) on
/folder, never on /sdk, and the access log counting them. Everything it creates is
removed. Prints one line per check on stderr; on failure one line saying what failed
and exits 1. Standard library only.
"""
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import socket
import ssl
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NS = {"soapenv": "http://schemas.xmlsoap.org/soap/envelope/", "v": "urn:vim25",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


class CheckFailed(Exception):
    pass


def say(msg):
    print(f"vcsim-check: {msg}", file=sys.stderr, flush=True)


def expect(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def env(name):
    value = os.environ.get(name)
    expect(value, f"{name} is not set (eval the exports of vcsim-up.sh and nginx-up.sh)")
    return value


SDK = env("FERRY_VCSIM_SDK_URL")
DIRECT = env("FERRY_VCSIM_DIRECT_URL")
SLOW = env("FERRY_VCSIM_SLOW_URL")
FAULTS = env("FERRY_VCSIM_FAULTS_URL")
CONTROL = env("FERRY_VCSIM_CONTROL_URL")
USER = env("FERRY_VCSIM_USER")
PASSWORD = open(env("FERRY_VCSIM_PASSWORD_FILE")).read().rstrip("\r\n")
CA = env("FERRY_VCSIM_CA_FILE")
DSDIR = env("FERRY_VCSIM_DATASTORE_DIR")
DC = env("FERRY_VCSIM_DATACENTER")
DS = env("FERRY_VCSIM_DATASTORE")
ACCESS_LOG = env("FERRY_NGINX_ACCESS_LOG")
TLS = ssl.create_default_context(cafile=CA)
# From RetrieveServiceContent: the names differ between vCenter (SessionManager,
# propertyCollector, group-d1) and ESXi (ha-sessionmgr, ha-property-collector, ha-folder-root).
SESSION_MANAGER = PROPERTY_COLLECTOR = ROOT_FOLDER = None


def connect(url, timeout=30):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        return http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=TLS)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def request(url, method="GET", body=None, headers=None, timeout=30):
    """(status, headers, body bytes) over a new connection."""
    u = urllib.parse.urlsplit(url)
    conn = connect(url, timeout)
    try:
        path = u.path + ("?" + u.query if u.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    status, _, raw = request(CONTROL + path, method, data, {"Content-Type": "application/json"} if data else {})
    try:
        doc = json.loads(raw)
    except ValueError:
        raise CheckFailed(f"control API {method} {path}: {status}, not JSON: {raw[:200]!r}")
    return status, doc


ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
            ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<soapenv:Body>{}</soapenv:Body></soapenv:Envelope>')


class Soap:
    def __init__(self, url):
        self.url = url
        self.cookie = None

    def call(self, method, this_type, this, inner=""):
        """(status, parsed element of the response or fault detail)."""
        body = ENVELOPE.format(f'<{method} xmlns="urn:vim25"><_this type="{this_type}">{this}</_this>{inner}</{method}>')
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/6.5"}
        if self.cookie:
            headers["Cookie"] = f"vmware_soap_session={self.cookie}"
        status, resp_headers, raw = request(self.url, "POST", body.encode(), headers)
        for value in resp_headers.get_all("Set-Cookie") or []:
            m = re.match(r'\s*vmware_soap_session="?([^";]+)', value)
            if m:
                self.cookie = m.group(1)
        try:
            root = ET.fromstring(raw)
        except ET.ParseError:
            raise CheckFailed(f"{method} via {self.url}: HTTP {status}, not XML: {raw[:200]!r}")
        return status, root

    def fault_type(self, root):
        detail = root.find(".//soapenv:Fault/detail", NS)
        if detail is None or len(detail) == 0:
            return None
        return detail[0].get(XSI_TYPE)

    def ok(self, method, this_type, this, inner=""):
        status, root = self.call(method, this_type, this, inner)
        expect(status == 200, f"{method} via {self.url}: HTTP {status}, fault {self.fault_type(root)}")
        return root

    def login(self, password=PASSWORD):
        # The harness's password holds XML metacharacters on purpose (vcsim-up.sh).
        return self.call("Login", "SessionManager", SESSION_MANAGER,
                         f"<userName>{escape(USER)}</userName><password>{escape(password)}</password>")

    def properties(self, obj_type, obj, paths):
        path_xml = "".join(f"<pathSet>{p}</pathSet>" for p in paths)
        inner = (f"<specSet><propSet><type>{obj_type}</type>{path_xml}</propSet>"
                 f'<objectSet><obj type="{obj_type}">{obj}</obj></objectSet></specSet><options></options>')
        return self.call("RetrievePropertiesEx", "PropertyCollector", PROPERTY_COLLECTOR, inner)


def prop(root, name):
    for ps in root.iterfind(".//v:propSet", NS):
        if ps.findtext("v:name", namespaces=NS) == name:
            return ps.find("v:val", NS)
    raise CheckFailed(f"property {name} missing from the response")


# ---------------------------------------------------------------------------------------

def check_soap():
    for url in (SDK, DIRECT):
        s = Soap(url)
        root = s.ok("RetrieveServiceContent", "ServiceInstance", "ServiceInstance")
        global SESSION_MANAGER, PROPERTY_COLLECTOR, ROOT_FOLDER
        SESSION_MANAGER = root.findtext(".//v:sessionManager", namespaces=NS)
        PROPERTY_COLLECTOR = root.findtext(".//v:propertyCollector", namespaces=NS)
        ROOT_FOLDER = root.findtext(".//v:rootFolder", namespaces=NS)
        about = root.find(".//v:about", NS)
        expect(about is not None, f"RetrieveServiceContent via {url}: no about")
        status, root = s.login("not-the-password")
        expect(status == 500 and s.fault_type(root) == "InvalidLogin",
               f"Login with a wrong password via {url}: HTTP {status}, fault {s.fault_type(root)} (want InvalidLogin)")
        expect(s.cookie is None, f"a failed Login via {url} set a session cookie")
        status, root = s.properties("Folder", ROOT_FOLDER, ["name"])
        expect(status == 500 and s.fault_type(root) == "NotAuthenticated",
               f"RetrievePropertiesEx without a session via {url}: HTTP {status}, fault {s.fault_type(root)} (want NotAuthenticated)")
        status, root = s.login()
        expect(status == 200 and s.cookie, f"Login via {url}: HTTP {status}, fault {s.fault_type(root)}, cookie {s.cookie}")
        root = s.ok("RetrievePropertiesEx", "PropertyCollector", PROPERTY_COLLECTOR,
                    '<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet>'
                    f'<objectSet><obj type="Folder">{ROOT_FOLDER}</obj></objectSet></specSet><options></options>')
        s.ok("Logout", "SessionManager", SESSION_MANAGER)
        say(f"SOAP via {url}: RetrieveServiceContent ({about.findtext('v:apiType', namespaces=NS)} "
            f"{about.findtext('v:apiVersion', namespaces=NS)}), InvalidLogin, NotAuthenticated, Login, Logout")


def pattern(seed, size):
    rnd = random.Random(seed)
    return bytes(rnd.getrandbits(8) for _ in range(size))


def descriptor(extent_kind, extent, sectors, parent_hint=None, cid="fffffffe", parent_cid="ffffffff", create_type="vmfs"):
    lines = ["# Disk DescriptorFile", "version=1", "encoding=\"UTF-8\"", f"CID={cid}", f"parentCID={parent_cid}",
             f'createType="{create_type}"']
    if parent_hint:
        lines.append(f'parentFileNameHint="{parent_hint}"')
    lines += ["", "# Extent description", f'RW {sectors} {extent_kind} "{extent}"', "", "# The Disk Data Base",
              "#DDB", 'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "14"']
    return ("\n".join(lines) + "\n").encode()


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Fixture:
    """Disk files of one test VM written into the datastore folder."""

    def __init__(self, folder):
        self.folder = folder
        self.dir = os.path.join(DSDIR, folder)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.files = {}

    def write(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)
        self.files[name] = hashlib.sha256(data).hexdigest()

    def unchanged(self):
        for name, digest in self.files.items():
            expect(sha(os.path.join(self.dir, name)) == digest, f"fixture {self.folder}/{name} changed")

    def folder_url(self, base, name):
        u = urllib.parse.urlsplit(base)
        q = urllib.parse.urlencode({"dcPath": DC, "dsName": DS})
        return f"{u.scheme}://{u.netloc}/folder/{urllib.parse.quote(self.folder)}/{urllib.parse.quote(name)}?{q}"

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def backing_chain(device):
    chain = []
    b = device.find("v:backing", NS)
    while b is not None:
        chain.append((b.get(XSI_TYPE) or "", b.findtext("v:fileName", namespaces=NS),
                      b.findtext("v:deltaDiskFormat", namespaces=NS)))
        b = b.find("v:parent", NS)
    return chain


def check_vms(s, fx):
    # A flat disk on pvscsi, and a disk on SATA whose running point is the second delta
    # of a chain vm-000002 -> vm-000001 -> data (ESXi names, seSparse deltas).
    mib = 1 << 20
    flat = pattern(1, mib)
    fx.write("chk.vmdk", descriptor("VMFS", "chk-flat.vmdk", mib // 512))
    fx.write("chk-flat.vmdk", flat)
    fx.write("data.vmdk", descriptor("VMFS", "data-flat.vmdk", 2 * mib // 512))
    fx.write("data-flat.vmdk", pattern(2, 2 * mib))
    fx.write("chk-000001.vmdk", descriptor("SESPARSE", "chk-000001-sesparse.vmdk", 2 * mib // 512, "data.vmdk", "aaaaaaa1", "fffffffe"))
    fx.write("chk-000001-sesparse.vmdk", pattern(3, 64 * 1024))
    fx.write("chk-000002.vmdk", descriptor("SESPARSE", "chk-000002-sesparse.vmdk", 2 * mib // 512, "chk-000001.vmdk", "aaaaaaa2", "aaaaaaa1"))
    fx.write("chk-000002-sesparse.vmdk", pattern(4, 64 * 1024))
    # vcsim's CreateVM writes NAME.vmx and fails if one exists: a fixture .vmx must survive.
    fx.write("ferry-check-vm.vmx", b'.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\n')
    before = set(os.listdir(fx.dir))
    spec = {
        "name": "ferry-check-vm", "folder": fx.folder, "guestId": "debian11_64Guest", "numCPUs": 2, "memoryMB": 2048,
        "firmware": "efi", "uuid": "4223a1b2-c3d4-e5f6-0718-293a4b5c6d7e",
        "controllers": [{"type": "pvscsi", "busNumber": 0}, {"type": "sata", "busNumber": 0}],
        "disks": [
            {"controller": 0, "unitNumber": 0, "fileName": "chk.vmdk", "capacityBytes": mib, "thin": True},
            {"controller": 1, "unitNumber": 0, "fileName": "chk-000002.vmdk", "capacityBytes": 2 * mib,
             "parents": ["chk-000001.vmdk", "data.vmdk"], "deltaDiskFormat": "seSparseFormat"},
        ],
        "nics": [{"type": "vmxnet3", "mac": "00:50:56:aa:bb:cc"}],
        "snapshots": ["before-upgrade", "after-upgrade"],
        "changeTracking": True,
    }
    status, vm = control("POST", "/vms", spec)
    expect(status == 201, f"POST /vms: {status} {vm}")
    status, again = control("POST", "/vms", spec)
    expect(status == 409, f"POST /vms with a name in use: {status}, want 409")
    moref = vm["moref"]
    fx.unchanged()

    status, root = s.properties("VirtualMachine", moref, ["config.hardware.device", "config.uuid", "config.firmware",
                                                          "layoutEx", "snapshot", "config.changeTrackingEnabled",
                                                          "runtime.powerState"])
    expect(status == 200, f"RetrievePropertiesEx of {moref}: HTTP {status}, fault {s.fault_type(root)}")
    expect(prop(root, "config.uuid").text == spec["uuid"], "config.uuid is not the spec's BIOS UUID")
    expect(prop(root, "config.firmware").text == "efi", "config.firmware is not efi")
    expect(prop(root, "config.changeTrackingEnabled").text == "true", "changeTrackingEnabled is not true")
    devices = prop(root, "config.hardware.device")
    disks = [d for d in devices if d.get(XSI_TYPE) == "VirtualDisk"]
    expect(len(disks) == 2, f"{len(disks)} disks, want 2")
    by_key = {d.findtext("v:key", namespaces=NS): d for d in devices}
    chain0, chain1 = backing_chain(disks[0]), backing_chain(disks[1])
    expect(chain0 == [("VirtualDiskFlatVer2BackingInfo", f"[{DS}] {fx.folder}/chk.vmdk", None)], f"disk 0 backing {chain0}")
    want = [("VirtualDiskFlatVer2BackingInfo", f"[{DS}] {fx.folder}/chk-000002.vmdk", "seSparseFormat"),
            ("", f"[{DS}] {fx.folder}/chk-000001.vmdk", "seSparseFormat"),
            ("", f"[{DS}] {fx.folder}/data.vmdk", None)]
    expect(chain1 == want, f"disk 1 backing chain {chain1}, want {want}")
    ctrl = by_key[disks[1].findtext("v:controllerKey", namespaces=NS)]
    expect(ctrl.get(XSI_TYPE) == "VirtualAHCIController", f"disk 1 is on {ctrl.get(XSI_TYPE)}, want VirtualAHCIController")
    layout = prop(root, "layoutEx")
    names = {f.findtext("v:key", namespaces=NS): (f.findtext("v:name", namespaces=NS), f.findtext("v:type", namespaces=NS),
                                                   int(f.findtext("v:size", namespaces=NS) or 0))
             for f in layout.iterfind("v:file", NS)}
    units = []
    for disk in layout.iterfind("v:disk", NS):
        units.append([[names[k.text] for k in unit.iterfind("v:fileKey", NS)] for unit in disk.iterfind("v:chain", NS)])
    want_units = [["chk.vmdk", "chk-flat.vmdk"]], [["data.vmdk", "data-flat.vmdk"],
                                                   ["chk-000001.vmdk", "chk-000001-sesparse.vmdk"],
                                                   ["chk-000002.vmdk", "chk-000002-sesparse.vmdk"]]
    got_units = tuple([[os.path.basename(n) for n, _, _ in unit] for unit in disk] for disk in units)
    expect(got_units == want_units, f"layoutEx disk chains {got_units}, want {want_units}")
    sizes = {os.path.basename(n): size for n, _, size in names.values()}
    expect(sizes.get("data-flat.vmdk") == 2 * mib, f"layoutEx size of data-flat.vmdk {sizes.get('data-flat.vmdk')}")
    snaps = [n.text for n in prop(root, "snapshot").iter("{urn:vim25}name")]
    expect(snaps == ["before-upgrade", "after-upgrade"], f"snapshot tree names {snaps}")
    say(f"control API made {vm['name']} ({moref}): pvscsi flat disk, SATA disk on a seSparse chain of 3, "
        f"2 snapshots, CBT; backing parents and layoutEx as vSphere shows them; fixtures (a .vmx too) byte-identical")
    return vm, flat, before


def check_folder(s, fx, flat):
    start, length = 123_457, 65_536
    want = flat[start:start + length]
    for base in (SDK, SLOW, DIRECT):
        url = fx.folder_url(base, "chk-flat.vmdk")
        status, headers, body = request(url, headers={"Cookie": f"vmware_soap_session={s.cookie}",
                                                      "Range": f"bytes={start}-{start + length - 1}"})
        expect(status == 206, f"Range GET {url}: HTTP {status}, want 206")
        expect(body == want, f"Range GET {url}: {len(body)} bytes, not the fixture's bytes {start}..")
        expect(headers.get("Content-Range") == f"bytes {start}-{start + length - 1}/{len(flat)}",
               f"Range GET {url}: Content-Range {headers.get('Content-Range')}")
        status, headers, _ = request(url, "HEAD", headers={"Cookie": f"vmware_soap_session={s.cookie}"})
        expect(status == 200 and headers.get("Content-Length") == str(len(flat)),
               f"HEAD {url}: HTTP {status}, Content-Length {headers.get('Content-Length')}")
        status, _, _ = request(url, headers={"Range": "bytes=0-15"})
        expect(status == 401, f"GET {url} without a session: HTTP {status}, want 401")
        status, _, _ = request(fx.folder_url(base, "missing-flat.vmdk"), headers={"Cookie": f"vmware_soap_session={s.cookie}"})
        expect(status == 404, f"GET of a missing file via {base}: HTTP {status}, want 404")
    say("/folder via the TLS, slow and direct ports: Range GET 206 with the exact bytes and Content-Range, "
        "HEAD with the size, 404 for a missing file, 401 without a session")


def power_state(name):
    status, vm = control("GET", f"/vms/{name}")
    expect(status == 200, f"GET /vms/{name}: {status} {vm}")
    return vm["powerState"], vm["toolsRunningStatus"]


def check_power(s, vm_name, moref, fx):
    status, vm = control("POST", f"/vms/{vm_name}/power", {"state": "on"})
    expect(status == 200 and vm["powerState"] == "poweredOn", f"power on: {status} {vm}")
    expect(vm["toolsRunningStatus"] == "guestToolsRunning", f"tools after power on: {vm['toolsRunningStatus']}")
    status, root = s.properties("VirtualMachine", moref, ["guest.toolsRunningStatus", "runtime.powerState"])
    expect(prop(root, "guest.toolsRunningStatus").text == "guestToolsRunning", "SOAP: tools not running after power on")
    s.ok("ShutdownGuest", "VirtualMachine", moref)
    expect(power_state(vm_name) == ("poweredOff", "guestToolsNotRunning"), f"after ShutdownGuest: {power_state(vm_name)}")
    status, vm = control("POST", f"/vms/{vm_name}/power", {"state": "on"})
    status, vm = control("POST", f"/vms/{vm_name}/power", {"state": "off"})
    expect(status == 200 and vm["powerState"] == "poweredOff", f"power off: {status} {vm}")

    # A VM whose tools do not run: ShutdownGuest is refused as on a real host.
    spec = {"name": "ferry-check-notools", "folder": fx.folder + "-notools", "tools": "notRunning", "powerState": "poweredOn"}
    status, vm = control("POST", "/vms", spec)
    expect(status == 201 and vm["powerState"] == "poweredOn", f"POST /vms (tools not running): {status} {vm}")
    status, root = s.call("ShutdownGuest", "VirtualMachine", vm["moref"])
    expect(status == 500 and s.fault_type(root) == "ToolsUnavailable",
           f"ShutdownGuest without tools: HTTP {status}, fault {s.fault_type(root)} (want ToolsUnavailable)")
    status, doc = control("DELETE", "/vms/ferry-check-notools")
    expect(status == 200, f"DELETE /vms/ferry-check-notools: {status} {doc}")
    leftover = os.listdir(os.path.join(DSDIR, spec["folder"]))
    expect(leftover == [], f"files vcsim wrote are left after DELETE: {leftover}")
    os.rmdir(os.path.join(DSDIR, spec["folder"]))
    say("power on/off through the control API, tools running while on; ShutdownGuest powers off; "
        "ToolsUnavailable when tools do not run; DELETE leaves the folder as it was")


def check_cbt(s, fx):
    """QueryChangedDiskAreas, which the harness answers (vcsim 0.24.2 lacks it)."""
    mib = 1 << 20
    folder = fx.folder + "-cbt"
    cbt = Fixture(folder)
    try:
        cbt.write("cbt.vmdk", descriptor("VMFS", "cbt-flat.vmdk", 8 * mib // 512))
        with open(os.path.join(cbt.dir, "cbt-flat.vmdk"), "wb") as f:  # sparse: 64 KiB of data at 1 MiB
            f.truncate(8 * mib)
            f.seek(mib)
            f.write(pattern(5, 65536))
        spec = {"name": "ferry-check-cbt", "folder": folder, "changeTracking": True,
                "controllers": [{"type": "lsilogic", "busNumber": 0}],
                "disks": [{"controller": 0, "fileName": "cbt.vmdk", "capacityBytes": 8 * mib, "thin": True},
                          {"controller": 0, "fileName": "cbt.vmdk", "capacityBytes": 8 * mib,
                           "changedAreas": [{"start": 4096, "length": 8192}]}]}
        status, vm = control("POST", "/vms", spec)
        expect(status == 201, f"POST /vms (CBT): {status} {vm}")
        keys = [d["key"] for d in vm["disks"]]

        def areas(key, change_id):
            root = s.ok("QueryChangedDiskAreas", "VirtualMachine", vm["moref"],
                        f"<deviceKey>{key}</deviceKey><startOffset>0</startOffset><changeId>{change_id}</changeId>")
            info = root.find(".//v:returnval", NS)
            expect(info.findtext("v:length", namespaces=NS) == str(8 * mib), "QueryChangedDiskAreas: length is not the disk's")
            return [(int(a.findtext("v:start", namespaces=NS)), int(a.findtext("v:length", namespaces=NS)))
                    for a in info.iterfind("v:changedArea", NS)]

        allocated = areas(keys[0], "*")
        covered = any(start <= mib and start + length >= mib + 65536 for start, length in allocated)
        expect(covered and sum(length for _, length in allocated) < 8 * mib,
               f"QueryChangedDiskAreas '*' on a sparse flat file: {allocated} (want the data at 1 MiB, not the holes)")
        stated = areas(keys[1], "52 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00/1")
        expect(stated == [(4096, 8192)], f"QueryChangedDiskAreas with changedAreas in the spec: {stated}")
        cbt.unchanged()
        status, doc = control("DELETE", "/vms/ferry-check-cbt")
        expect(status == 200, f"DELETE /vms/ferry-check-cbt: {status} {doc}")
    finally:
        control("DELETE", "/vms/ferry-check-cbt")
        cbt.remove()
    say(f"QueryChangedDiskAreas: '*' gives the data regions of a sparse flat file {allocated}; stated areas come back")


def check_session_expiry(s, fx):
    status, doc = control("POST", "/sessions/expire")
    expect(status == 200 and doc["terminated"] >= 1, f"POST /sessions/expire: {status} {doc}")
    status, root = s.properties("Folder", ROOT_FOLDER, ["name"])
    expect(status == 500 and s.fault_type(root) == "NotAuthenticated",
           f"RetrievePropertiesEx after the session expired: HTTP {status}, fault {s.fault_type(root)}")
    status, _, _ = request(fx.folder_url(SDK, "chk.vmdk"), headers={"Cookie": f"vmware_soap_session={s.cookie}"})
    expect(status == 401, f"/folder with an expired session: HTTP {status}, want 401")
    s.cookie = None
    status, _ = s.login()
    expect(status == 200, f"Login again after expiry: HTTP {status}")
    say(f"POST /sessions/expire ended {doc['terminated']} session(s): NotAuthenticated, /folder 401, Login works again")


def log_lines(port):
    lines = []
    with open(ACCESS_LOG, errors="replace") as f:
        for line in f:
            if f" port={port} " in line:
                lines.append(line)
    return lines


def check_faults(s, fx, flat):
    port = urllib.parse.urlsplit(FAULTS).port
    seen_before = len(log_lines(port))
    for i in range(20):  # /sdk is never faulted
        status, _ = Soap(FAULTS).call("RetrieveServiceContent", "ServiceInstance", "ServiceInstance")
        expect(status == 200, f"/sdk on the faults port answered HTTP {status}")
    url = fx.folder_url(FAULTS, "chk-flat.vmdk")
    outcomes = {"ok": 0, "503": 0, "dropped": 0, "cut": 0}
    # The faults nginx-up.sh was told to inject (its defaults otherwise).
    rates = {"503": os.environ.get("FERRY_NGINX_FAULT_503", "10"), "dropped": os.environ.get("FERRY_NGINX_FAULT_DROP", "5"),
             "cut": os.environ.get("FERRY_NGINX_FAULT_CUT", "5")}
    wanted = [kind for kind, rate in rates.items() if float(rate) > 0]
    length = 256 * 1024
    for i in range(600):
        start = (i * 4096) % (len(flat) - length)
        try:
            status, headers, body = request(url, headers={"Cookie": f"vmware_soap_session={s.cookie}",
                                                          "Range": f"bytes={start}-{start + length - 1}"}, timeout=20)
        except http.client.IncompleteRead:
            outcomes["cut"] += 1
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            outcomes["dropped"] += 1
        else:
            if status == 503:
                expect(headers.get("Retry-After"), "a 503 without Retry-After")
                outcomes["503"] += 1
            else:
                expect(status == 206 and body == flat[start:start + length],
                       f"faults port, request {i}: HTTP {status}, {len(body)} bytes (want 206 and the exact bytes)")
                outcomes["ok"] += 1
        if i >= 100 and all(outcomes[kind] for kind in wanted):
            break
    expect(all(outcomes[kind] for kind in wanted),
           f"faults port over {sum(outcomes.values())} requests: {outcomes} (want at least one of each of {wanted})")
    time.sleep(0.2)
    lines = log_lines(port)[seen_before:]
    logged = {"503": sum(" status=503 " in l for l in lines), "444": sum(" status=444 " in l for l in lines),
              "cut": sum(" fault=cut " in l for l in lines)}
    expect(logged["503"] == outcomes["503"] and logged["444"] == outcomes["dropped"] and logged["cut"] == outcomes["cut"],
           f"access log counts {logged} differ from what the client saw {outcomes}")
    say(f"faults port: /sdk never faulted; /folder over {sum(outcomes.values())} requests: {outcomes}; access log agrees")


def main():
    status, info = control("GET", "/info")
    expect(status == 200 and info["datastoreDir"] == DSDIR and info["datacenter"] == DC,
           f"GET /info: {status} {info} (FERRY_VCSIM_DATASTORE_DIR={DSDIR})")
    check_soap()
    fx = Fixture("ferry-check")
    s = Soap(SDK)
    status, _ = s.login()
    expect(status == 200, f"Login: HTTP {status}")
    created = []
    try:
        vm, flat, before = check_vms(s, fx)
        created.append(vm["name"])
        check_folder(s, fx, flat)
        check_power(s, vm["name"], vm["moref"], fx)
        check_cbt(s, fx)
        check_faults(s, fx, flat)
        check_session_expiry(s, fx)
        status, doc = control("DELETE", f"/vms/{vm['name']}")
        expect(status == 200, f"DELETE /vms/{vm['name']}: {status} {doc}")
        created.clear()
        fx.unchanged()
        after = set(os.listdir(fx.dir))
        expect(after == before, f"the folder after DELETE differs: extra {sorted(after - before)}, missing {sorted(before - after)}")
        status, doc = control("GET", f"/vms/{vm['name']}")
        expect(status == 404, f"GET /vms/{vm['name']} after DELETE: {status}")
    finally:
        for name in created:
            control("DELETE", f"/vms/{name}")
        fx.remove()
    say("all checks passed")


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print(f"vcsim-check: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except (OSError, http.client.HTTPException) as e:
        print(f"vcsim-check: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
