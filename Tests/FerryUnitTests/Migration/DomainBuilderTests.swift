import Ceph
import Ferry
import Foundation
import MigrationTestSupport
import Testing
import VMwareConfig

@Suite("Domain XML from a VMware VM")
struct MigrationDomainBuilderTests {
    func build(_ machine: VirtualMachine, _ plan: DomainPlan) throws -> (DomainDefinition, ParsedXML) {
        let definition = try DomainBuilder(plan: plan).build(for: machine)
        return (definition, try ParsedXML(definition.xml))
    }

    @Test("a BIOS guest: pc machine, virtio-blk RBD disks, identity, topology and the standard devices")
    func biosVirtio() throws {
        let machine = MigrationFixtures.biosMachine()
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        #expect(definition.name == "web01")
        #expect(try xml.value("/domain/@type") == "kvm")
        #expect(try xml.value("/domain/name") == "web01")
        #expect(try xml.value("/domain/uuid") == "42256ec1-e066-9364-3dd1-36a0b75263dd")
        #expect(try xml.value("/domain/genid") == "8a5f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
        #expect(try xml.value("/domain/memory[@unit='KiB']") == "2097152")
        #expect(try xml.value("/domain/vcpu") == "4")
        #expect(try xml.value("/domain/cpu/@mode") == nil, "conservative default: no CPU mode")
        #expect(try xml.value("/domain/cpu/topology/@sockets") == "2")
        #expect(try xml.value("/domain/cpu/topology/@cores") == "2")
        #expect(try xml.value("/domain/cpu/topology/@threads") == "1")
        #expect(try xml.value("/domain/os/@firmware") == nil)
        #expect(try xml.value("/domain/os/type/@machine") == "pc")
        #expect(try xml.value("/domain/os/type") == "hvm")
        #expect(try xml.count("/domain/features/acpi") == 1 && xml.count("/domain/features/apic") == 1)
        #expect(try xml.count("/domain/features/smm") == 0)

        let disks = "/domain/devices/disk[@type='network'][@device='disk']"
        #expect(try xml.values("\(disks)/source[@protocol='rbd']/@name") == ["rbd/web01-disk0", "rbd/web01-disk1"])
        #expect(try xml.values("\(disks)/target/@dev") == ["vda", "vdb"])
        #expect(try xml.values("\(disks)/target/@bus") == ["virtio", "virtio"])
        #expect(try xml.values("\(disks)/driver/@type") == ["raw", "raw"])
        #expect(try xml.values("\(disks)/driver/@cache") == ["none", "none"])
        #expect(try xml.values("\(disks)/driver/@discard") == ["unmap", "unmap"])
        #expect(try xml.values("\(disks)/auth/@username") == ["ferry", "ferry"])
        #expect(
            try xml.values("\(disks)/auth/secret[@type='ceph']/@uuid") == [
                MigrationFixtures.secretUUID, MigrationFixtures.secretUUID,
            ])
        #expect(try xml.values("\(disks)/boot/@order") == ["1"], "only the first disk boots")
        #expect(try xml.value("\(disks)[1]/boot/@order") == "1")

        // The ISO-backed IDE CD-ROM stays an empty IDE drive on pc, and says so.
        let cdrom = "/domain/devices/disk[@device='cdrom']"
        #expect(try xml.value("\(cdrom)/@type") == "file")
        #expect(try xml.count("\(cdrom)/source") == 0)
        #expect(try xml.value("\(cdrom)/target/@bus") == "ide")
        #expect(try xml.value("\(cdrom)/target/@dev") == "hdc")
        #expect(try xml.count("\(cdrom)/readonly") == 1)
        #expect(
            definition.notes.contains {
                $0.contains("ide1:0") && $0.contains("rhel8.iso") && $0.contains("not migrated")
            })
        #expect(definition.notes.contains { $0.contains("virtio-blk") })
        #expect(definition.notes.contains { $0.contains("ethernet0 (vmxnet3) becomes virtio-net") })

        #expect(try xml.value("/domain/devices/serial[@type='pty']/target/@port") == "0")
        #expect(try xml.value("/domain/devices/console[@type='pty']/target/@type") == "serial")
        #expect(
            try xml.value("/domain/devices/channel[@type='unix']/target[@type='virtio']/@name")
                == "org.qemu.guest_agent.0")
        #expect(try xml.value("/domain/devices/graphics[@type='vnc']/@listen") == "127.0.0.1")
        #expect(try xml.value("/domain/devices/graphics[@type='vnc']/@autoport") == "yes")
        #expect(try xml.value("/domain/devices/video/model/@type") == "virtio")
        #expect(try xml.value("/domain/devices/memballoon/@model") == "virtio")
        #expect(try xml.value("/domain/devices/rng[@model='virtio']/backend[@model='random']") == "/dev/urandom")
        #expect(try xml.count("/domain/devices/controller") == 0)
    }

    @Test("EFI without Secure Boot: q35, OVMF autoselected with secure-boot and enrolled-keys off")
    func efi() throws {
        let machine = MigrationFixtures.efiMachine(secureBoot: false)
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        #expect(try xml.value("/domain/os/@firmware") == "efi")
        #expect(try xml.value("/domain/os/type/@machine") == "q35")
        #expect(try xml.value("/domain/os/firmware/feature[@name='secure-boot']/@enabled") == "no")
        #expect(try xml.value("/domain/os/firmware/feature[@name='enrolled-keys']/@enabled") == "no")
        #expect(try xml.count("/domain/os/loader") == 0, "libvirt 9.0 rejects loader secure='no' with autoselection")
        #expect(try xml.count("/domain/features/smm") == 0)
        #expect(try xml.value("/domain/devices/disk[@device='cdrom']/target/@bus") == "sata", "q35 has no IDE")
        #expect(try xml.value("/domain/devices/disk[@device='disk']/target/@dev") == "vda")
        #expect(try xml.count("/domain/cpu") == 0, "one core per socket needs no topology")
        #expect(definition.notes.contains { $0.contains(".nvram") })
    }

    @Test("EFI with Secure Boot: secure loader, Microsoft keys, SMM on")
    func efiSecureBoot() throws {
        let machine = MigrationFixtures.efiMachine(secureBoot: true)
        let (_, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        #expect(try xml.value("/domain/os/@firmware") == "efi")
        #expect(try xml.value("/domain/os/type/@machine") == "q35")
        #expect(try xml.value("/domain/os/firmware/feature[@name='secure-boot']/@enabled") == "yes")
        #expect(try xml.value("/domain/os/firmware/feature[@name='enrolled-keys']/@enabled") == "yes")
        #expect(try xml.value("/domain/os/loader/@secure") == "yes")
        #expect(try xml.value("/domain/features/smm/@state") == "on")
    }

    @Test("Secure Boot asked on the pc machine type is dropped with a note")
    func secureBootOnPC() throws {
        let machine = MigrationFixtures.efiMachine(secureBoot: true)
        var plan = MigrationFixtures.plan(for: machine)
        plan.machine = .pc
        let (definition, xml) = try build(machine, plan)
        #expect(try xml.value("/domain/os/firmware/feature[@name='secure-boot']/@enabled") == "no")
        #expect(try xml.count("/domain/features/smm") == 0)
        #expect(definition.notes.contains { $0.contains("Secure Boot is off") })
    }

    @Test("keep bus policy: SCSI controllers mapped per model, units kept where QEMU allows, SATA, IDE")
    func keepBus() throws {
        let machine = MigrationFixtures.mixedBusMachine()
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine, busPolicy: .keep))
        #expect(try xml.values("/domain/devices/controller[@type='scsi']/@index") == ["0", "1", "2", "3"])
        #expect(
            try xml.values("/domain/devices/controller[@type='scsi']/@model")
                == ["lsilogic", "lsisas1068", "virtio-scsi", "lsilogic"])

        func disk(_ image: Int) -> String {
            "/domain/devices/disk[source/@name='rbd/legacy01-disk\(image)']"
        }
        func address(_ image: Int) throws -> [String] {
            try ["controller", "bus", "target", "unit"].map {
                try xml.value("\(disk(image))/address[@type='drive']/@\($0)") ?? "-"
            }
        }
        // LSI 53C895A: SCSI ID in `unit`, target 0.
        #expect(try xml.value("\(disk(0))/target/@bus") == "scsi")
        #expect(try address(0) == ["0", "0", "0", "0"])
        #expect(try address(1) == ["0", "0", "0", "3"])
        // LSI SAS and virtio-scsi: one LUN per target, so VMware's unit is the target.
        #expect(try address(2) == ["1", "0", "2", "0"])
        #expect(try address(3) == ["2", "0", "9", "0"])
        #expect(try address(4) == ["3", "0", "0", "0"])
        #expect(try xml.value("\(disk(5))/target/@bus") == "sata")
        #expect(try address(5) == ["0", "0", "0", "4"])
        // ide0:1 → channel 0, unit 1 → hdb.
        #expect(try xml.value("\(disk(6))/target/@bus") == "ide")
        #expect(try xml.value("\(disk(6))/target/@dev") == "hdb")
        #expect(try address(6) == ["0", "0", "0", "1"])
        #expect(
            try xml.values("/domain/devices/disk[@device='disk']/target/@dev")
                == ["sda", "sdb", "sdc", "sdd", "sde", "sdf", "hdb"])
        #expect(try xml.value("\(disk(0))/boot/@order") == "1")

        let cdrom = "/domain/devices/disk[@device='cdrom']"
        #expect(try xml.value("\(cdrom)/target/@bus") == "ide")
        #expect(try xml.value("\(cdrom)/target/@dev") == "hdc")
        #expect(try xml.value("\(cdrom)/address/@bus") == "1")
        #expect(try xml.value("/domain/devices/video/model/@type") == "vga", "BIOS guest without virtio drivers")

        #expect(definition.notes.contains { $0.contains("scsi2 (pvscsi) becomes virtio-scsi") })
        #expect(definition.notes.contains { $0.contains("scsi3 (buslogic) becomes lsilogic") })
        #expect(definition.notes.contains { $0.contains("scsi0 (lsilogic)") && $0.contains("53C895A") })
        #expect(definition.notes.contains { $0.contains("floppy floppy0:0 with boot.flp") })
        #expect(!definition.notes.contains { $0.contains("virtio-blk") })
    }

    @Test("keep bus with VMware paravirtual emulation keeps PVSCSI and VMXNET3")
    func keepParavirtual() throws {
        var machine = MigrationFixtures.mixedBusMachine()
        machine.nics = [
            NetworkInterface(index: 0, model: .vmxnet3, networkName: "VM Network", mac: "00:50:56:00:00:01")
        ]
        var plan = MigrationFixtures.plan(for: machine, busPolicy: .keep)
        plan.emulateVMwareParavirtual = true
        let (_, xml) = try build(machine, plan)
        #expect(try xml.value("/domain/devices/controller[@index='2']/@model") == "vmpvscsi")
        #expect(try xml.value("/domain/devices/interface/model/@type") == "vmxnet3")
    }

    @Test("an LSI Logic unit above QEMU's range moves to a free ID, and a full controller is an error")
    func lsiLogicRange() throws {
        let disk = { (unit: Int) in
            DiskDevice(bus: .scsi, controller: 0, unit: unit, controllerModel: .lsilogic, deviceType: .disk)
        }
        var machine = VirtualMachine(name: "wide", memoryMiB: 512, vcpus: 1, disks: [disk(0), disk(12)])
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine, busPolicy: .keep))
        #expect(try xml.values("/domain/devices/disk/address/@unit") == ["0", "1"])
        #expect(definition.notes.contains { $0.contains("scsi0:12 moves to scsi slot 1") })

        machine.disks = (0..<8).map { disk($0 < 7 ? $0 : 8) }
        let error = #expect(throws: MigrationError.self) {
            try DomainBuilder(plan: MigrationFixtures.plan(for: machine, busPolicy: .keep)).build(for: machine)
        }
        #expect(error?.code == .unsupportedHardware)
        #expect(error?.message.contains("scsi0:8") == true)
    }

    @Test("NICs map to a bridge, a libvirt network and an Open vSwitch bridge; MACs and link state kept")
    func networkMapping() throws {
        var machine = MigrationFixtures.biosMachine()
        machine.nics = [
            NetworkInterface(index: 0, model: .vmxnet3, networkName: "VM Network", mac: "00:50:56:91:48:c7"),
            NetworkInterface(index: 1, model: .e1000, networkName: "Backup", mac: "00:0c:29:aa:bb:cc"),
            NetworkInterface(index: 2, model: .e1000e, networkName: "DMZ", startConnected: false),
        ]
        var plan = MigrationFixtures.plan(
            for: machine,
            networks: [
                "VM Network": .bridge("br0"), "Backup": .network("backup"), "DMZ": .openVSwitch(bridge: "ovs-dmz"),
            ])
        let (definition, xml) = try build(machine, plan)
        let interfaces = "/domain/devices/interface"
        #expect(try xml.values("\(interfaces)/@type") == ["bridge", "network", "bridge"])
        #expect(try xml.value("\(interfaces)[1]/source/@bridge") == "br0")
        #expect(try xml.value("\(interfaces)[2]/source/@network") == "backup")
        #expect(try xml.value("\(interfaces)[3]/source/@bridge") == "ovs-dmz")
        #expect(try xml.value("\(interfaces)[3]/virtualport/@type") == "openvswitch")
        #expect(try xml.count("\(interfaces)[1]/virtualport") == 0)
        #expect(try xml.values("\(interfaces)/mac/@address") == ["00:50:56:91:48:c7", "00:0c:29:aa:bb:cc"])
        #expect(try xml.count("\(interfaces)[3]/mac") == 0, "no MAC: libvirt generates one")
        #expect(try xml.value("\(interfaces)[3]/link/@state") == "down")
        #expect(try xml.values("\(interfaces)/model/@type") == ["virtio", "virtio", "virtio"])
        #expect(definition.notes.contains { $0.contains("ethernet2") && $0.contains("no MAC") })

        plan.keepNICModels = true
        let (_, kept) = try build(machine, plan)
        #expect(try kept.values("\(interfaces)/model/@type") == ["virtio", "e1000", "e1000e"])
    }

    @Test("unmapped networks are one error naming all of them; a default target takes them instead")
    func unmappedNetworks() throws {
        var machine = MigrationFixtures.biosMachine()
        machine.nics = [
            NetworkInterface(index: 0, networkName: "VM Network"),
            NetworkInterface(index: 1, networkName: "DMZ"),
            NetworkInterface(index: 2, networkName: "Storage \"A\""),
            NetworkInterface(index: 3, networkName: "DMZ"),
            NetworkInterface(index: 4),
        ]
        var plan = MigrationFixtures.plan(for: machine, networks: ["VM Network": .bridge("br0")])
        let error = #expect(throws: MigrationError.self) { try DomainBuilder(plan: plan).build(for: machine) }
        #expect(error?.code == .unmappedNetworks)
        #expect(
            error?.message.hasPrefix(#"unmapped networks: "DMZ", "Storage "A"", ethernet4 (no network name)"#) == true,
            "\(error?.message ?? "")")

        plan.defaultNetwork = .network("default")
        let (definition, xml) = try build(machine, plan)
        #expect(
            try xml.values("/domain/devices/interface/source/@network") == ["default", "default", "default", "default"])
        #expect(try xml.value("/domain/devices/interface[1]/source/@bridge") == "br0")
        #expect(definition.notes.filter { $0.contains("default network:default") }.count == 4)
    }

    @Test("hostile names are sanitised for libvirt and escaped everywhere else")
    func hostileNames() throws {
        let hostile = "Tom's <web> & \"db\" — prod\nsecond line"
        var machine = MigrationFixtures.biosMachine(name: hostile)
        machine.annotation = "owner: <ops> & 'dev' \"team\"\n]]> <!-- not a comment -->"
        machine.nics = [NetworkInterface(index: 0, networkName: "Net <&'\">")]
        var plan = MigrationFixtures.plan(for: machine, networks: ["Net <&'\">": .bridge("br'\"&<>")])
        plan.disks = [RBDSpec(pool: "rbd", image: "a&b<c>'d\"e"), RBDSpec(pool: "rbd", image: "x")]
        plan.serial = .file(path: "/var/log/ferry/it's <here> & \"there\".log")
        plan.cephUser = "client.o'brien&co"
        let (definition, xml) = try build(machine, plan)
        #expect(definition.name == "Tom-s-web-db-prod-second-line")
        #expect(try xml.value("/domain/name") == definition.name)
        #expect(try xml.value("/domain/title") == "Tom's <web> & \"db\" — prod second line")
        #expect(try xml.value("/domain/description") == machine.annotation)
        #expect(try xml.value("/domain/devices/disk[1]/source/@name") == "rbd/a&b<c>'d\"e")
        #expect(try xml.value("/domain/devices/disk[1]/auth/@username") == "o'brien&co")
        #expect(try xml.value("/domain/devices/interface/source/@bridge") == "br'\"&<>")
        #expect(
            try xml.value("/domain/devices/serial[@type='file']/source/@path")
                == "/var/log/ferry/it's <here> & \"there\".log")
        #expect(definition.notes.contains { $0.contains("domain name \"Tom-s-web-db-prod-second-line\"") })
    }

    @Test("every address of every monitor is a host of every RBD disk")
    func everyMonitorAddress() throws {
        let machine = MigrationFixtures.biosMachine()
        let (_, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        let expected = MigrationFixtures.threeMonitors.flatMap(\.addresses).map { "\($0.host) \($0.port)" }
        #expect(expected.count == 6)
        for disk in 1...2 {
            let hosts = try xml.attributes("/domain/devices/disk[\(disk)]/source/host").map {
                "\($0["name"] ?? "") \($0["port"] ?? "")"
            }
            #expect(hosts == expected)
        }
    }

    @Test("the XML names the secret by UUID and never carries a key")
    func noKeyInXML() throws {
        let machine = MigrationFixtures.biosMachine()
        let key = (0..<16).map { UInt8($0 * 7 + 3) }
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        #expect(!definition.xml.contains(Data(key).base64EncodedString()))
        #expect(try xml.count("//*[local-name()='key' or @key or @value]") == 0)
        let secrets = try xml.attributes("//auth/secret")
        #expect(secrets.count == 2)
        #expect(secrets.allSatisfy { Set($0.keys) == ["type", "uuid"] })
        #expect(try xml.count("//auth/secret/node()") == 0)
    }

    @Test("plans that do not fit the VM are refused with invalidPlan")
    func invalidPlans() throws {
        let machine = MigrationFixtures.biosMachine()
        func failure(_ change: (inout DomainPlan) -> Void) -> MigrationError? {
            var plan = MigrationFixtures.plan(for: machine)
            change(&plan)
            return #expect(throws: MigrationError.self) { try DomainBuilder(plan: plan).build(for: machine) }
        }
        let tooFew = failure { $0.disks.removeLast() }
        #expect(tooFew?.code == .invalidPlan)
        #expect(tooFew?.message.contains("scsi0:0, scsi0:1") == true)
        #expect(failure { $0.monitors = [] }?.code == .invalidPlan)
        #expect(failure { $0.secretUUID = "not-a-uuid" }?.code == .invalidPlan)
        #expect(failure { $0.disks[0] = RBDSpec(pool: "rbd", image: "a@snap") }?.code == .invalidPlan)
        #expect(failure { $0.serial = .file(path: "relative.log") }?.code == .invalidPlan)
        #expect(failure { $0.cephUser = "" }?.code == .invalidPlan)
    }

    @Test("domain type, CPU mode, serial device and graphics follow the plan")
    func options() throws {
        let machine = MigrationFixtures.biosMachine()
        var plan = MigrationFixtures.plan(for: machine)
        plan.domainType = .qemu
        plan.cpuMode = .hostModel
        plan.serial = .none
        plan.vncListen = nil
        plan.name = "web01-migrated"
        let (definition, xml) = try build(machine, plan)
        #expect(definition.name == "web01-migrated")
        #expect(try xml.value("/domain/@type") == "qemu")
        #expect(try xml.value("/domain/cpu/@mode") == "host-model")
        #expect(try xml.count("/domain/devices/serial") == 0 && xml.count("/domain/devices/console") == 0)
        #expect(try xml.count("/domain/devices/graphics") == 0 && xml.count("/domain/devices/video") == 0)
        #expect(!definition.notes.contains { $0.contains("CPU model") })
    }

    @Test("a VM without BIOS UUID or MACs leaves them to libvirt, with notes")
    func missingIdentity() throws {
        var machine = MigrationFixtures.biosMachine()
        machine.uuid = nil
        machine.genid = nil
        let (definition, xml) = try build(machine, MigrationFixtures.plan(for: machine))
        #expect(definition.uuid == nil)
        #expect(try xml.count("/domain/uuid") == 0 && xml.count("/domain/genid") == 0)
        #expect(definition.notes.contains { $0.contains("no BIOS UUID") })
    }

    @Test("DomainSettings is the one assembly of a domain plan from migrate's flags and a plan's keys")
    func domainSettings() throws {
        let plan = try DomainSettings(
            name: "web", keepBus: true, networks: ["VM Network": "bridge:br0"], defaultNetwork: "network:default",
            domainType: "qemu", serialLog: "/var/log/web.log"
        ).domainPlan()
        #expect(plan.name == "web" && plan.busPolicy == .keep && plan.keepNICModels)
        #expect(plan.networks == ["VM Network": .bridge("br0")] && plan.defaultNetwork == .network("default"))
        #expect(plan.domainType == .qemu)
        #expect(plan.serial == .file(path: "/var/log/web.log"))
        #expect(try DomainSettings().domainPlan().busPolicy == .virtio)
        let bad: [(DomainSettings, DomainSettings.Invalid.Setting, String)] = [
            (DomainSettings(networks: ["LAN": "br0"]), .network("LAN"), "br0"),
            (DomainSettings(defaultNetwork: "x"), .defaultNetwork, "x"),
            (DomainSettings(domainType: "xen"), .domainType, "xen"),
        ]
        for (settings, setting, value) in bad {
            let error = #expect(throws: DomainSettings.Invalid.self) { try settings.domainPlan() }
            #expect(error?.setting == setting && error?.value == value)
        }
    }

    @Test("RBD targets and network targets parse from their command-line forms")
    func targetParsing() {
        #expect(RBDSpec(parsing: "rbd/vm1-disk0") == RBDSpec(pool: "rbd", image: "vm1-disk0"))
        #expect(RBDSpec(parsing: "rbd/ns/vm1")?.description == "rbd/ns/vm1")
        #expect(RBDSpec(parsing: "rbd") == nil && RBDSpec(parsing: "rbd//x") == nil)
        #expect(RBDSpec(parsing: "a/b/c/d") == nil && RBDSpec(parsing: "rbd/ns/vm1")?.poolSpec.description == "rbd/ns")
        #expect(RBDPoolSpec(parsing: "rbd") == RBDPoolSpec(pool: "rbd"))
        #expect(RBDPoolSpec(parsing: "fast/tenant-a") == RBDPoolSpec(pool: "fast", namespace: "tenant-a"))
        #expect(RBDPoolSpec(parsing: "a/b/c") == nil && RBDPoolSpec(parsing: "rbd/") == nil && RBDPoolSpec(parsing: "") == nil)
        #expect(NetworkTarget(argument: "bridge:br0") == .bridge("br0"))
        #expect(NetworkTarget(argument: "network:default") == .network("default"))
        #expect(NetworkTarget(argument: "ovs:br-int") == .openVSwitch(bridge: "br-int"))
        #expect(NetworkTarget(argument: "br0") == nil && NetworkTarget(argument: "bridge:") == nil)
    }
}

@Suite("libvirt-safe domain names")
struct MigrationDomainNameTests {
    @Test(arguments: [
        ("web01", "web01"),
        ("Web & DB (old) — prod", "Web-DB-old-prod"),
        ("Café Ünïcode", "Cafe-Unicode"),
        ("../../etc/passwd", "etc-passwd"),
        ("-rf", "rf"),
        ("", "vm"),
        ("日本語", "vm"),
        ("a/b\\c", "a-b-c"),
        ("host.example_01", "host.example_01"),
    ])
    func sanitize(input: String, expected: String) {
        #expect(DomainName.sanitize(input) == expected)
    }

    @Test func lengthIsCapped() {
        let long = String(repeating: "a", count: 62) + "-bcd"
        #expect(DomainName.sanitize(long) == String(repeating: "a", count: 62), "no trailing dash after the cut")
        #expect(DomainName.sanitize(String(repeating: "x", count: 300)).count == DomainName.maximumLength)
    }
}
