import VSphere
import VMwareConfig

/// What `ferry vsphere ls` shows: every VM of an endpoint, with what a migration needs to
/// know before it is planned.
public enum VSphereListing {
    /// One VM. Its JSON form is what `ferry vsphere ls --json` prints (README documents it).
    public struct Entry: Sendable, Codable {
        public var datacenter: String
        public var name: String
        /// What `migrate` and plans take: `vsphere://ENDPOINT/DATACENTER/VM`.
        public var source: String
        public var powerState: String
        public var vcpus: Int
        public var memoryMiB: Int
        public var firmware: String
        public var guestOS: String?
        public var disks: [Disk]
        public var nics: [NIC]
        public var snapshots: [String]
        public var changeTracking: Bool
        /// Why Ferry would refuse the VM as it is (empty: it can migrate it, once off).
        public var refusals: [String]
        public var notices: [String]
    }

    public struct Disk: Sendable, Codable {
        /// `scsi0:0`, `sata0:1`, `nvme0:0`, …
        public var slot: String
        /// `[DATASTORE] folder/file.vmdk`: the chain's head.
        public var file: String?
        /// flat, thin, sparse, seSparse, rdm, …
        public var backing: String
        public var capacityBytes: UInt64?
        public var mode: String?
        /// Files below the head, child first: the snapshot chain.
        public var parents: [String]
    }

    public struct NIC: Sendable, Codable {
        public var model: String?
        public var mac: String?
        public var network: String?
    }

    /// Reads every datacenter's VMs.
    /// - Throws: `VSphereError` when the endpoint cannot be read.
    public static func read(endpoint: String) async throws -> [Entry] {
        let session = try await VSphereSessions.shared.session(endpoint)
        var entries: [Entry] = []
        for datacenter in try await session.datacenters() {
            for vm in try await session.virtualMachines(in: datacenter) {
                entries.append(entry(vm, endpoint: endpoint, datacenter: datacenter.name))
            }
        }
        return entries
    }

    static func entry(_ vm: InventoryVM, endpoint: String, datacenter: String) -> Entry {
        let machine = vm.machine
        let disks = machine.disks.filter { $0.deviceType == .disk }.map { device -> Disk in
            let slot = "\(device.bus.rawValue)\(device.controller):\(device.unit)"
            let backing = vm.diskBackings[slot]
            return Disk(
                slot: slot, file: device.fileName, backing: backing?.kind ?? "unknown", capacityBytes: device.capacityBytes,
                mode: device.mode?.rawValue, parents: backing?.parents ?? [])
        }
        let firmware: String
        switch machine.firmware {
        case .bios: firmware = "bios"
        case .efi(let secureBoot): firmware = secureBoot ? "efi-secure-boot" : "efi"
        }
        return Entry(
            datacenter: datacenter, name: vm.name,
            source: VSphereURL.vm(endpoint: endpoint, datacenter: datacenter, name: vm.name).description,
            powerState: vm.powerState, vcpus: machine.vcpus, memoryMiB: machine.memoryMiB, firmware: firmware,
            guestOS: machine.guestOS, disks: disks,
            nics: machine.nics.map { NIC(model: $0.model?.rawValue, mac: $0.mac, network: $0.networkName) },
            snapshots: vm.snapshots, changeTracking: vm.changeTrackingEnabled, refusals: vm.refusals, notices: vm.notices)
    }

    /// One line per VM, then its refusals indented.
    public static func table(_ entries: [Entry]) -> String {
        var lines = ["DATACENTER  VM                        POWER       vCPU  MEMORY    DISKS                              SNAPSHOTS"]
        for entry in entries {
            let disks = entry.disks.map { "\($0.slot) \($0.backing) \(gibibytes($0.capacityBytes))" }.joined(separator: ", ")
            lines.append(
                [
                    pad(entry.datacenter, 11), pad(entry.name, 25), pad(entry.powerState, 11), pad("\(entry.vcpus)", 5),
                    pad("\(entry.memoryMiB) MiB", 9), pad(disks.isEmpty ? "-" : disks, 34), "\(entry.snapshots.count)",
                ].joined(separator: " "))
            for refusal in entry.refusals { lines.append("    refused: \(refusal)") }
            for notice in entry.notices { lines.append("    note: \(notice)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func gibibytes(_ bytes: UInt64?) -> String {
        guard let bytes else { return "?" }
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        return "\(bytes >> 20) MiB"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
