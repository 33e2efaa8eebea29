import BlockingCalls
import Ceph
import Foundation
import Libvirt
import VMwareConfig
import VSphere

/// `ferry plan validate`: everything that can be known about a plan before copying a byte,
/// reported all at once — sources missing or outside the roots, disks Ferry cannot read,
/// networks without a mapping, hardware the builder refuses, unknown nodes, two VMs with
/// one domain name, images already in the pool, domains already on a fixed node.
public struct PlanValidator: Sendable {
    public struct Problem: Sendable, Codable, Hashable, CustomStringConvertible {
        /// The VM's source as the plan gives it.
        public var vm: String
        public var message: String
        public var description: String { "\(vm): \(message)" }
    }

    public let configuration: ServiceConfiguration
    public let cluster: RadosCluster
    public let inventory: NodeInventory

    public init(configuration: ServiceConfiguration, cluster: RadosCluster, inventory: NodeInventory) {
        self.configuration = configuration
        self.cluster = cluster
        self.inventory = inventory
    }

    /// Every problem of `plan`. A `vsphere://` VM is read through the API (its endpoint's
    /// session opens here); what it refuses (RDM, independent disks) and a running VM
    /// without a `shutdown` setting are problems too.
    public func problems(in plan: MigrationPlan) async throws -> [Problem] {
        var problems: [Problem] = []
        let specs: [(spec: JobSpec, maxAttempts: Int)]
        do {
            specs = try plan.jobSpecs(configuration: configuration)
        } catch {
            return [Problem(vm: plan.name, message: error.message)]
        }
        let cluster = cluster
        let (monitors, fsid) = try await OffPool.run { (try cluster.monitors(), try cluster.fsid()) }
        let secret = CephSecretIdentity(clusterFSID: fsid, user: cluster.configuration.userID)
        var domains: [String: String] = [:]  // domain name → first VM that uses it
        for (entry, spec) in zip(plan.vms, specs.map(\.spec)) {
            func report(_ message: String) { problems.append(Problem(vm: entry.source, message: message)) }
            let isVSphere = VSphereURL.names(spec.source)
            guard isVSphere || FileManager.default.fileExists(atPath: spec.source) else {
                report("\(spec.source) does not exist")
                continue
            }
            if let node = spec.node, !inventory.nodes.contains(where: { $0.name == node }) {
                report("node \"\(node)\" is not in the node list (\(inventory.nodes.map(\.name).joined(separator: ", ")))")
            }
            let inspection: VMInspection
            do {
                inspection = try await VMInspection.inspect(anySource: spec.source, datastores: configuration.datastoreMap)
            } catch {
                report("\(error)")
                continue
            }
            if let vsphere = inspection.vsphere {
                for refusal in vsphere.refusals { report(refusal) }
                if !vsphere.isOff, spec.shutdown == nil {
                    report("\(vsphere.url) is \(vsphere.powerState); a cold migration needs it off: shut it down before the wave, or set shutdown: guest (or poweroff)")
                }
            }
            for disk in inspection.disks {
                if let error = disk.error { report("disk \(disk.slot): \(error)") }
            }
            let name = DomainName.sanitize(spec.name ?? inspection.vm.name)
            if let first = domains[name] {
                report("domain name \(name) is also used by \(first); give one of them a \"name\"")
            } else {
                domains[name] = entry.source
            }
            do {
                var domainPlan = try spec.domainPlan()
                domainPlan.disks = inspection.disks.indices.map {
                    RBDSpec(pool: spec.pool, namespace: spec.namespace, image: "\(name)-disk\($0)")
                }
                domainPlan.monitors = monitors
                domainPlan.cephUser = cluster.configuration.userID
                domainPlan.secretUUID = secret.uuid
                _ = try DomainBuilder(plan: domainPlan).build(for: inspection.vm)
                try await checkImages(domainPlan.disks, report: report)
                if let dataPool = spec.dataPool {
                    do {
                        try cluster.ioContext(pool: dataPool).close()
                    } catch {
                        report("data pool \(dataPool) cannot be used: \(error)")
                    }
                }
            } catch {
                report("\(error)")
            }
            if let node = spec.node, let known = inventory.nodes.first(where: { $0.name == node }) {
                do {
                    if try await Hypervisor(uri: known.uri).domain(named: name) != nil {
                        report("a domain named \(name) already exists on node \(node)")
                    }
                } catch {
                    report("node \(node) (\(known.uri)) cannot be reached: \(error)")
                }
            }
        }
        return problems
    }

    /// An image already in the pool is a clash unless it is an unfinished Ferry import
    /// (which the job resumes).
    private func checkImages(_ targets: [RBDSpec], report: (String) -> Void) async throws {
        for target in targets {
            let pool: IOContext
            do {
                pool = try cluster.ioContext(pool: target.pool, namespace: target.namespace)
            } catch {
                report("pool \(target.pool): \(error)")
                return
            }
            guard try await pool.imageExists(target.image) else { continue }
            let state = try await pool.withImage(target.image, readOnly: true) { try await $0.metadata(ImportMetadata.state) }
            if state != ImportMetadata.State.importing.rawValue {
                report("image \(target) already exists" + (state == nil ? "" : " (a finished import)"))
            }
        }
    }
}
