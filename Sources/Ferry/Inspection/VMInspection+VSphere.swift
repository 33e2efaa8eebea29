import BlockingCalls
import VMDK
import VSphere
import VMwareConfig

/// Where a VM read through the vSphere API is, and the state a cold migration cares about.
public struct VSphereVM: Sendable, Codable {
    /// `vsphere://ENDPOINT/DATACENTER/VM`.
    public var url: String
    public var endpoint: String
    public var datacenter: String
    /// The managed object id, `vm-42`.
    public var object: String
    public var powerState: String
    public var toolsRunning: Bool
    public var changeVersion: String?
    public var snapshots: [String]
    public var changeTrackingEnabled: Bool
    /// What Ferry refuses about this VM, one line each.
    public var refusals: [String]
    /// What Ferry copies but warns about.
    public var notices: [String]

    public var isOff: Bool { powerState == "poweredOff" }
}

extension VMInspection {
    /// Inspects a VM of any kind: a `.vmx` or `.ova` path (off the cooperative pool), or a
    /// `vsphere://` VM read through the API with its disks opened over the datastore.
    /// - Throws: what the kind's reader throws.
    public static func inspect(
        anySource path: String, datastores: DatastoreMap = DatastoreMap(), options: OpenOptions = .init()
    ) async throws -> VMInspection {
        if VSphereURL.names(path) { return try await inspect(vsphere: path, options: options) }
        return try await OffPool.run { try inspect(source: path, datastores: datastores, options: options) }
    }

    /// Reads the VM `vsphere://ENDPOINT/DATACENTER/VM` names through the vSphere API (the
    /// endpoint's session opens here if it is not open yet) and opens each disk's chain
    /// over the datastore, validating every table as for local files.
    /// - Throws: `VSphereError` when the endpoint, datacenter or VM cannot be read.
    public static func inspect(vsphere path: String, options: OpenOptions = .init()) async throws -> VMInspection {
        guard case .vm(let endpoint, let datacenterName, let name) = try VSphereURL.parse(path) else {
            throw VSphereError(.invalidEndpoint, "\(path) names a datastore file, not a VM (vsphere://ENDPOINT/DATACENTER/VM)")
        }
        let session = try await VSphereSessions.shared.session(endpoint)
        let datacenter = try await session.datacenter(named: datacenterName)
        let found = try await session.virtualMachine(named: name, in: datacenter)
        var vm = found.machine
        for index in vm.disks.indices {
            guard let fileName = vm.disks[index].fileName, let datastorePath = DatastorePath(fileName) else { continue }
            // What the import opens: the disk's head on its datastore, through this session.
            vm.disks[index].resolvedPath =
                VSphereURL.file(endpoint: endpoint, datacenter: datacenter.name, path: datastorePath).description
        }
        let refused = Set(found.diskBackings.filter { ["rdm", "pmem"].contains($0.value.kind) }.keys)
        let devices = vm.disks.filter { $0.deviceType == .disk }
        let disks = try await OffPool.run { () -> [Disk] in
            devices.map { device -> Disk in
                let slot = "\(device.bus.rawValue)\(device.controller):\(device.unit)"
                guard !refused.contains(slot) else {
                    return Disk(slot: slot, path: device.resolvedPath, error: "\(slot): \(found.diskBackings[slot]?.kind ?? "") disk, not copied through the datastore (\(device.fileName ?? "no file"))")
                }
                guard let file = device.resolvedPath else {
                    return Disk(slot: slot, path: device.fileName, error: "\(slot): no datastore file to import (\(device.fileName ?? "no file"))")
                }
                return Disk.opening(file, slot: slot, options: options)
            }
        }
        let state = VSphereVM(
            url: VSphereURL.vm(endpoint: endpoint, datacenter: datacenter.name, name: found.name).description,
            endpoint: endpoint, datacenter: datacenter.name, object: found.object.value, powerState: found.powerState,
            toolsRunning: found.toolsRunningStatus == "guestToolsRunning", changeVersion: found.changeVersion,
            snapshots: found.snapshots, changeTrackingEnabled: found.changeTrackingEnabled, refusals: found.refusals,
            notices: found.notices)
        return VMInspection(vm: vm, disks: disks, vsphere: state)
    }
}
