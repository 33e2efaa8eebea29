import Ceph
import Foundation
import VMwareConfig

/// Turns a ``VirtualMachine`` and a ``DomainPlan`` into libvirt domain XML whose disks are
/// RBD network disks authenticated through a libvirt `ceph` secret.
///
/// Nothing is dropped silently: every device or setting that does not carry over exactly is
/// described in ``DomainDefinition/notes``. The XML was checked against libvirt 9.0 with
/// QEMU 7.2 and OVMF from Debian 12 (see the migration integration tests).
public struct DomainBuilder: Sendable {
    public var plan: DomainPlan

    public init(plan: DomainPlan) {
        self.plan = plan
    }

    /// - Throws: `MigrationError` `.invalidPlan` (disk count, image names, monitors, secret
    ///   UUID, serial path), `.unmappedNetworks`, `.unsupportedHardware`.
    public func build(for machine: VirtualMachine) throws(MigrationError) -> DomainDefinition {
        let secretUUID = try validatedSecretUUID()
        let hosts = try monitorHosts()
        let user = cephUser
        guard !user.isEmpty else {
            throw MigrationError(code: .invalidPlan, message: "the plan names no cephx user")
        }
        if case .file(let path) = plan.serial, !path.hasPrefix("/") {
            throw MigrationError(code: .invalidPlan, message: "serial log path \"\(path)\" must be absolute")
        }
        let machineType = plan.machine ?? (machine.firmware.isEFI ? .q35 : .pc)
        let disks = try DiskLayout(machine: machine, plan: plan, machineType: machineType)
        let interfaces = try InterfaceLayout(machine: machine, plan: plan)

        var notes: [String] = []
        let name = DomainName.sanitize(plan.name ?? machine.name)
        if name != (plan.name ?? machine.name) {
            notes.append(
                "domain name \"\(name)\" (from \"\(plan.name ?? machine.name)\": libvirt-safe characters only)")
        }
        let uuid = machine.uuid.flatMap { UUID(uuidString: $0) }.map { $0.uuidString.lowercased() }
        if let given = machine.uuid, uuid == nil {
            notes.append("BIOS UUID \(given) is not a valid UUID; libvirt generates a new one")
        } else if machine.uuid == nil {
            notes.append("the VM has no BIOS UUID; libvirt generates one (the guest sees a new SMBIOS UUID)")
        }
        if case .efi(let secureBoot) = machine.firmware {
            if secureBoot, machineType == .pc {
                notes.append("Secure Boot is off: it needs the q35 machine type, and the plan asks for pc")
            }
            // OVMF without Boot#### entries falls back to \EFI\BOOT\BOOTX64.EFI on each disk,
            // which Windows and shim-based Linux installs provide.
            notes.append(
                "EFI variables (VMware's .nvram) are not migrated: OVMF starts from its template and boots "
                    + "the disk's default loader (\\EFI\\BOOT\\BOOTX64.EFI)")
        }
        if plan.cpuMode == .hypervisorDefault, plan.domainType == .kvm {
            notes.append("CPU model is libvirt's default (qemu64, no x86-64-v2): RHEL 9-class guests need host-model")
        }
        notes += disks.notes
        notes += interfaces.notes
        for port in machine.serialPorts {
            let detail = [port.kind, port.target].compactMap { $0 }.joined(separator: " ")
            notes.append("serial\(port.index)\(detail.isEmpty ? "" : " (\(detail))") is not carried over")
        }

        let domain = XMLTag("domain", [("type", plan.domainType.rawValue)]) {
            XMLTag("name", text: name)
            if let uuid { XMLTag("uuid", text: uuid) }
            if let genid = machine.genid { XMLTag("genid", text: genid) }
            // libvirt refuses line breaks in a title.
            XMLTag("title", text: machine.name.split(whereSeparator: \.isNewline).joined(separator: " "))
            if let annotation = machine.annotation, !annotation.isEmpty { XMLTag("description", text: annotation) }
            XMLTag("memory", [("unit", "KiB")], text: String(machine.memoryMiB * 1024))
            XMLTag("vcpu", [("placement", "static")], text: String(machine.vcpus))
            cpu(machine)
            os(machine.firmware, machineType: machineType)
            features(machine.firmware, machineType: machineType)
            XMLTag("devices") {
                for placement in disks.placements {
                    disk(placement, hosts: hosts, user: user, secretUUID: secretUUID)
                }
                for controller in disks.scsiControllers {
                    XMLTag(
                        "controller",
                        [("type", "scsi"), ("index", String(controller.index)), ("model", controller.model)])
                }
                for interface in interfaces.interfaces { self.interface(interface) }
                serialDevices()
                XMLTag("channel", [("type", "unix")]) {
                    XMLTag("target", [("type", "virtio"), ("name", "org.qemu.guest_agent.0")])
                }
                if let listen = plan.vncListen {
                    XMLTag("graphics", [("type", "vnc"), ("autoport", "yes"), ("listen", listen)])
                    XMLTag("video") {
                        // A BIOS guest without virtio drivers still draws through plain VGA.
                        let model = plan.busPolicy == .keep && !machine.firmware.isEFI ? "vga" : "virtio"
                        XMLTag("model", [("type", model)])
                    }
                }
                XMLTag("memballoon", [("model", "virtio")])
                XMLTag("rng", [("model", "virtio")]) {
                    XMLTag("backend", [("model", "random")], text: "/dev/urandom")
                }
            }
        }
        return DomainDefinition(name: name, uuid: uuid, xml: domain.rendered(), notes: notes)
    }

    // MARK: - Plan checks

    private var cephUser: String {
        plan.cephUser.hasPrefix("client.") ? String(plan.cephUser.dropFirst("client.".count)) : plan.cephUser
    }

    private func validatedSecretUUID() throws(MigrationError) -> String {
        guard let uuid = UUID(uuidString: plan.secretUUID) else {
            throw MigrationError(code: .invalidPlan, message: "secret UUID \"\(plan.secretUUID)\" is not a UUID")
        }
        return uuid.uuidString.lowercased()
    }

    /// Every address of every monitor, v2 and v1 alike (QEMU's librbd speaks both), once each.
    private func monitorHosts() throws(MigrationError) -> [(host: String, port: Int)] {
        var seen: Set<String> = []
        var hosts: [(host: String, port: Int)] = []
        for address in plan.monitors.flatMap(\.addresses) where seen.insert("\(address.host) \(address.port)").inserted
        {
            hosts.append((address.host, address.port))
        }
        guard !hosts.isEmpty else {
            throw MigrationError(code: .invalidPlan, message: "the plan lists no Ceph monitor address")
        }
        return hosts
    }

    // MARK: - Elements

    private func cpu(_ machine: VirtualMachine) -> XMLTag? {
        let mode: [(String, String)] = plan.cpuMode == .hypervisorDefault ? [] : [("mode", plan.cpuMode.rawValue)]
        // A multi-core socket matters to guests licensed or tuned per socket (Windows client
        // editions use at most two sockets), so VMware's topology is kept.
        guard machine.coresPerSocket > 1 else { return mode.isEmpty ? nil : XMLTag("cpu", mode) }
        return XMLTag("cpu", mode) {
            XMLTag(
                "topology",
                [
                    ("sockets", String(machine.sockets)), ("cores", String(machine.coresPerSocket)), ("threads", "1"),
                ])
        }
    }

    /// Firmware autoselection: libvirt picks an OVMF build from QEMU's firmware descriptors
    /// and creates the per-domain NVRAM from its template. Without explicit features libvirt
    /// 9.0 on Debian picks the Secure Boot build with Microsoft keys, which needs SMM; so a
    /// guest without Secure Boot says `secure-boot` and `enrolled-keys` are off. libvirt 9.0
    /// rejects `<loader secure='no'/>` under autoselection, but takes `secure='yes'`.
    private func os(_ firmware: Firmware, machineType: DomainPlan.MachineType) -> XMLTag {
        let attributes: [(String, String)] = firmware.isEFI ? [("firmware", "efi")] : []
        return XMLTag("os", attributes) {
            XMLTag("type", [("arch", "x86_64"), ("machine", machineType.rawValue)], text: "hvm")
            if case .efi(let secureBoot) = firmware {
                let enabled = secureBoot && machineType == .q35 ? "yes" : "no"
                XMLTag("firmware") {
                    XMLTag("feature", [("enabled", enabled), ("name", "secure-boot")])
                    // A VMware Secure Boot guest trusts Microsoft's CA (Windows, shim-signed Linux).
                    XMLTag("feature", [("enabled", enabled), ("name", "enrolled-keys")])
                }
                if enabled == "yes" { XMLTag("loader", [("secure", "yes")]) }
            }
        }
    }

    private func features(_ firmware: Firmware, machineType: DomainPlan.MachineType) -> XMLTag {
        XMLTag("features") {
            XMLTag("acpi")
            XMLTag("apic")
            // OVMF's Secure Boot build keeps its variable store behind System Management Mode.
            if case .efi(secureBoot: true) = firmware, machineType == .q35 { XMLTag("smm", [("state", "on")]) }
        }
    }

    private func disk(
        _ placement: DiskLayout.Placement, hosts: [(host: String, port: Int)], user: String, secretUUID: String
    ) -> XMLTag {
        let address = placement.address.map { address in
            XMLTag(
                "address",
                [
                    ("type", "drive"), ("controller", String(address.controller)), ("bus", String(address.bus)),
                    ("target", String(address.target)), ("unit", String(address.unit)),
                ])
        }
        let target = XMLTag("target", [("dev", placement.targetDevice), ("bus", placement.bus)])
        guard let image = placement.image else {
            return XMLTag("disk", [("type", "file"), ("device", "cdrom")]) {
                XMLTag("driver", [("name", "qemu"), ("type", "raw")])
                target
                XMLTag("readonly")
                address
            }
        }
        return XMLTag("disk", [("type", "network"), ("device", "disk")]) {
            // cache='none' leaves librbd's cache off, so a guest flush is the only durability
            // point, as on VMFS; discard='unmap' passes TRIM through to free RBD objects.
            XMLTag("driver", [("name", "qemu"), ("type", "raw"), ("cache", "none"), ("discard", "unmap")])
            XMLTag("source", [("protocol", "rbd"), ("name", image.description)]) {
                for host in hosts { XMLTag("host", [("name", host.host), ("port", String(host.port))]) }
            }
            XMLTag("auth", [("username", user)]) {
                XMLTag("secret", [("type", "ceph"), ("uuid", secretUUID)])
            }
            target
            if let order = placement.bootOrder { XMLTag("boot", [("order", String(order))]) }
            address
        }
    }

    private func interface(_ interface: InterfaceLayout.Interface) -> XMLTag {
        let type: String
        let source: XMLTag
        switch interface.target {
        case .bridge(let bridge), .openVSwitch(let bridge):
            type = "bridge"
            source = XMLTag("source", [("bridge", bridge)])
        case .network(let network):
            type = "network"
            source = XMLTag("source", [("network", network)])
        }
        return XMLTag("interface", [("type", type)]) {
            // Guests bind interface names, DHCP reservations and licences to the MAC; VMware's
            // 00:50:56 / 00:0c:29 prefixes are valid unicast addresses for QEMU too.
            if let mac = interface.nic.mac { XMLTag("mac", [("address", mac)]) }
            source
            if case .openVSwitch = interface.target { XMLTag("virtualport", [("type", "openvswitch")]) }
            XMLTag("model", [("type", interface.model)])
            if !interface.nic.startConnected { XMLTag("link", [("state", "down")]) }
        }
    }

    @XMLTagBuilder
    private func serialDevices() -> [XMLTag] {
        switch plan.serial {
        case .pty:
            XMLTag("serial", [("type", "pty")]) { XMLTag("target", [("port", "0")]) }
            XMLTag("console", [("type", "pty")]) { XMLTag("target", [("type", "serial"), ("port", "0")]) }
        case .file(let path):
            XMLTag("serial", [("type", "file")]) {
                XMLTag("source", [("path", path)])
                XMLTag("target", [("port", "0")])
            }
        case .none:
            [XMLTag]()
        }
    }
}
