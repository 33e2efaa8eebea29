import Ceph
import Foundation
import VMDK
import VSphere

extension MigrationPlan {
    /// One job spec per VM, with the configuration's network map under the plan's, and every
    /// source resolved and checked against the configured source roots.
    /// - Throws: `PlanError` for a source outside every source root.
    public func jobSpecs(configuration: ServiceConfiguration) throws(PlanError) -> [(spec: JobSpec, maxAttempts: Int)] {
        var specs: [(spec: JobSpec, maxAttempts: Int)] = []
        for (index, entry) in vms.enumerated() {
            let settings = entry.settings.over(defaults)
            // Split was validated when the plan was parsed.
            let target = RBDPoolSpec(parsing: settings.pool ?? "rbd") ?? RBDPoolSpec(pool: "rbd")
            if VSphereURL.names(entry.source) {
                let spec = try vsphereSpec(entry, index: index, settings: settings, target: target, configuration: configuration)
                specs.append((spec, settings.maxAttempts ?? 3))
                continue
            }
            let source = resolvedSource(entry)
            guard source.hasPrefix("/") else {
                throw PlanError(source: name, message: "vms[\(index)]: source \"\(entry.source)\" is relative and the plan has no base folder (set \"base\")")
            }
            try SourceRoots(configuration.sourceRoots).check(source, field: "vms[\(index)]", plan: name)
            let spec = JobSpec(
                source: source, name: entry.name, pool: target.pool, namespace: target.namespace, node: settings.node,
                networks: configuration.networks.merging(settings.networks ?? [:]) { _, plan in plan },
                defaultNetwork: settings.defaultNetwork, keepBus: settings.keepBus ?? false,
                start: settings.start ?? false, priority: settings.priority ?? 50,
                domainType: settings.domainType ?? "kvm",
                datastore: Self.datastore(of: source, datastores: configuration.datastores),
                objectSize: settings.objectSize, dataPool: settings.dataPool)
            specs.append((spec, settings.maxAttempts ?? 3))
        }
        return specs
    }

    /// A `vsphere://ENDPOINT/DATACENTER/VM` entry: nothing local to resolve or confine; its
    /// endpoint must be configured, and its host is what `per_source_host` counts.
    private func vsphereSpec(
        _ entry: Entry, index: Int, settings: Settings, target: RBDPoolSpec, configuration: ServiceConfiguration
    ) throws(PlanError) -> JobSpec {
        let field = "vms[\(index)]"
        let url: VSphereURL
        do { url = try VSphereURL.parse(entry.source) } catch {
            throw PlanError(source: name, message: "\(field): \(error.message)")
        }
        guard case .vm = url else {
            throw PlanError(source: name, message: "\(field): \(entry.source) names a datastore file; a plan migrates VMs (vsphere://ENDPOINT/DATACENTER/VM)")
        }
        guard let endpoint = configuration.vsphere.first(where: { $0.name == url.endpoint }) else {
            throw PlanError(source: name, message: "\(field): vSphere endpoint \(url.endpoint) is not in the configuration's vsphere: section")
        }
        return JobSpec(
            source: entry.source, name: entry.name, pool: target.pool, namespace: target.namespace, node: settings.node,
            networks: configuration.networks.merging(settings.networks ?? [:]) { _, plan in plan },
            defaultNetwork: settings.defaultNetwork, keepBus: settings.keepBus ?? false, start: settings.start ?? false,
            priority: settings.priority ?? 50, domainType: settings.domainType ?? "kvm",
            datastore: "vsphere://\(url.endpoint)/\(url.datacenter)", objectSize: settings.objectSize,
            dataPool: settings.dataPool, sourceHost: endpoint.host, shutdown: settings.shutdown)
    }

    /// The datastore a source is read from: the configured datastore whose folder holds it,
    /// or else the folder above the VM's folder (where a datastore is usually mounted).
    static func datastore(of source: String, datastores: [String: String]) -> String {
        for (name, folder) in datastores.sorted(by: { $0.value.count > $1.value.count })
        where SourceRoots.isInside(source, folder: URL(fileURLWithPath: folder).standardized.path) {
            return name
        }
        let folder = URL(fileURLWithPath: source).deletingLastPathComponent()
        // An OVA usually lies in the datastore's folder itself; a VMX in a VM folder below it.
        // Plans are scheduled without reading their sources, so the name tells.
        let above = SourceKind.named(source) == .ova ? folder : folder.deletingLastPathComponent()
        return above.path
    }
}

/// The folders plans may read from. A plan is a request from the network (through the
/// API), so without this anyone allowed to submit could make Ferry read any file on the host.
struct SourceRoots {
    let roots: [String]

    init(_ roots: [String]) { self.roots = roots }

    /// - Throws: `PlanError` when `path` (symlinks resolved) is outside every root.
    func check(_ path: String, field: String, plan: String) throws(PlanError) {
        guard !roots.isEmpty else { return }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard roots.contains(where: { Self.isInside(real, folder: URL(fileURLWithPath: $0).resolvingSymlinksInPath().path) }) else {
            throw PlanError(source: plan, message: "\(field): \(path) is outside the configured source roots (\(roots.joined(separator: ", ")))")
        }
    }

    static func isInside(_ path: String, folder: String) -> Bool {
        folder == "/" || path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}
