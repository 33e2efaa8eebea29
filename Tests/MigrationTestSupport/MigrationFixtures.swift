import Ceph
import Ferry
import Foundation
import VMwareConfig

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// VMs, plans and an XML reader shared by the migration tests: the unit ones (domain XML,
/// secrets) and the integration ones (domains on libvirtd), which live in two test targets.
public enum MigrationFixtures {
    public static let secretUUID = "6f1c2b8e-5a4d-5e3f-9a7b-0c1d2e3f4a5b"

    /// `Monitor` has no public memberwise initialiser; it is Codable, so tests decode it.
    public static func monitors(_ list: [(name: String, addresses: [(type: String, host: String, port: Int)])]) -> [Monitor] {
        let json = list.map { monitor in
            let addresses = monitor.addresses.map { #"{"type":"\#($0.type)","host":"\#($0.host)","port":\#($0.port)}"# }
            return #"{"name":"\#(monitor.name)","addresses":[\#(addresses.joined(separator: ","))]}"#
        }
        return try! JSONDecoder().decode([Monitor].self, from: Data("[\(json.joined(separator: ","))]".utf8))
    }

    /// Three monitors, each with a msgr2 and a legacy address; one on IPv6.
    public static let threeMonitors = monitors([
        ("a", [("v2", "10.0.0.1", 3300), ("v1", "10.0.0.1", 6789)]),
        ("b", [("v2", "10.0.0.2", 3300), ("v1", "10.0.0.2", 6789)]),
        ("c", [("v2", "fd00::3", 3300), ("v1", "fd00::3", 6789)]),
    ])

    public static func plan(
        for machine: VirtualMachine, pool: String = "rbd", monitors: [Monitor] = threeMonitors,
        user: String = "ferry", secretUUID: String = secretUUID, busPolicy: DomainPlan.BusPolicy = .virtio,
        networks: [String: NetworkTarget] = ["VM Network": .bridge("br0")]
    ) -> DomainPlan {
        let disks = machine.importableDisks.indices.map {
            RBDSpec(pool: pool, image: "\(machine.name)-disk\($0)")
        }
        return DomainPlan(
            disks: disks, monitors: monitors, cephUser: user, secretUUID: secretUUID, busPolicy: busPolicy,
            networks: networks)
    }

    /// A BIOS guest: two SCSI disks, an IDE CD-ROM with an ISO, one vmxnet3 NIC, 2×2 CPUs.
    public static func biosMachine(name: String = "web01") -> VirtualMachine {
        VirtualMachine(
            name: name, uuid: "42256ec1-e066-9364-3dd1-36a0b75263dd", memoryMiB: 2048, vcpus: 4, coresPerSocket: 2,
            firmware: .bios, guestOS: "rhel8-64", genid: "8a5f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            disks: [
                DiskDevice(
                    bus: .scsi, controller: 0, unit: 0, controllerModel: .lsilogic, deviceType: .disk,
                    fileName: "web01.vmdk"),
                DiskDevice(
                    bus: .scsi, controller: 0, unit: 1, controllerModel: .lsilogic, deviceType: .disk,
                    fileName: "web01_1.vmdk"),
                DiskDevice(bus: .ide, controller: 1, unit: 0, deviceType: .cdrom, fileName: "rhel8.iso"),
            ],
            nics: [NetworkInterface(index: 0, model: .vmxnet3, networkName: "VM Network", mac: "00:50:56:91:48:c7")])
    }

    public static func efiMachine(name: String = "win01", secureBoot: Bool) -> VirtualMachine {
        VirtualMachine(
            name: name, uuid: "564d5459-5d0c-518d-d340-384ffebfe45d", memoryMiB: 4096, vcpus: 2,
            firmware: .efi(secureBoot: secureBoot), guestOS: "windows2019srv-64",
            disks: [
                DiskDevice(bus: .sata, controller: 0, unit: 0, deviceType: .disk, fileName: "win01.vmdk"),
                DiskDevice(bus: .sata, controller: 0, unit: 1, deviceType: .cdrom, backing: .none),
            ],
            nics: [NetworkInterface(index: 0, model: .e1000e, networkName: "VM Network", mac: "00:50:56:aa:bb:cc")])
    }

    /// Every bus VMware offers, for the keep policy: LSI Logic, LSI SAS, PVSCSI and BusLogic
    /// controllers, SATA, IDE and a floppy.
    public static func mixedBusMachine(name: String = "legacy01") -> VirtualMachine {
        VirtualMachine(
            name: name, memoryMiB: 1024, vcpus: 1, firmware: .bios,
            disks: [
                DiskDevice(bus: .scsi, controller: 0, unit: 0, controllerModel: .lsilogic, deviceType: .disk),
                DiskDevice(bus: .scsi, controller: 0, unit: 3, controllerModel: .lsilogic, deviceType: .disk),
                DiskDevice(bus: .scsi, controller: 1, unit: 2, controllerModel: .lsisas1068, deviceType: .disk),
                DiskDevice(bus: .scsi, controller: 2, unit: 9, controllerModel: .pvscsi, deviceType: .disk),
                DiskDevice(bus: .scsi, controller: 3, unit: 0, controllerModel: .buslogic, deviceType: .disk),
                DiskDevice(bus: .sata, controller: 0, unit: 4, deviceType: .disk),
                DiskDevice(bus: .ide, controller: 0, unit: 1, deviceType: .disk),
                DiskDevice(bus: .ide, controller: 1, unit: 0, deviceType: .cdrom, backing: .hostDevice),
                DiskDevice(bus: .floppy, controller: 0, unit: 0, deviceType: .floppy, fileName: "boot.flp"),
            ])
    }
}

/// A built domain parsed back, so tests assert structure rather than string fragments.
public struct ParsedXML {
    public let document: XMLDocument

    public init(_ text: String) throws {
        document = try XMLDocument(xmlString: text, options: [])
    }

    public func nodes(_ xpath: String) throws -> [XMLNode] {
        try document.nodes(forXPath: xpath)
    }

    public func values(_ xpath: String) throws -> [String] {
        try nodes(xpath).map { $0.stringValue ?? "" }
    }

    public func value(_ xpath: String) throws -> String? {
        try values(xpath).first
    }

    public func count(_ xpath: String) throws -> Int {
        try nodes(xpath).count
    }

    /// The attributes of each element `xpath` selects, by name.
    public func attributes(_ xpath: String) throws -> [[String: String]] {
        try nodes(xpath).map { node in
            var attributes: [String: String] = [:]
            for attribute in (node as? XMLElement)?.attributes ?? [] {
                if let name = attribute.name { attributes[name] = attribute.stringValue ?? "" }
            }
            return attributes
        }
    }
}
