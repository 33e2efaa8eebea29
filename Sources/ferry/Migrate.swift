import ArgumentParser
import Ceph
import Ferry
import Foundation
import VMDK
import VMwareConfig
import VSphere

extension FerryCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Migrate a VMware VM (.vmx or .ova): import its disks into RBD and define a libvirt domain.",
            discussion: """
                Everything is checked before copying: disks, networks, hardware, the node's free memory, the
                domain name. Disks import in parallel into POOL/NAME-diskN; the domain gets RBD network disks
                (every monitor, a cephx secret set through libvirt), is defined on the node, and started only
                with --start. If a step after the import fails, re-run with --resume: finished images are reused.
                Without --nodes, the one node is $LIBVIRT_DEFAULT_URI (default qemu:///system).
                """
        )

        @Argument(help: "The VM's .vmx file, .ova package (disks are read in place inside the OVA), or vsphere://ENDPOINT/DATACENTER/VM.")
        var source: String

        @Option(help: "Target RBD pool (or POOL/NAMESPACE).")
        var pool: String

        @Option(help: "Domain name (default: the VM's display name, made libvirt-safe).")
        var name: String?

        @Option(help: "Node inventory: YAML (.yaml/.yml) 'nodes:' list of {name, uri} mappings, or the same in JSON.")
        var nodes: String?

        @Option(help: "Node to define the domain on (default: the node with most free memory that fits).")
        var node: String?

        @Option(help: "Map a VMware network: 'VM Network=bridge:br0', '…=network:NAME' or '…=ovs:BRIDGE'.")
        var network: [String] = []

        @Option(help: "Where networks without a mapping go (bridge:NAME, network:NAME, ovs:BRIDGE).")
        var defaultNetwork: String?

        @Option(help: "Map a datastore to a local folder: 'datastore1=/mnt/datastore1'.")
        var datastore: [String] = []

        @Flag(help: "Keep SATA/SCSI/IDE disk buses and e1000 NICs (guests without virtio drivers, e.g. Windows).")
        var keepBus = false

        @Option(help: "Hypervisor type: kvm, or qemu for software emulation.")
        var domainType: String = "kvm"

        @Option(help: "Write the guest's first serial port to this file on the node (instead of a pty).")
        var serialLog: String?

        @Flag(help: "Start the domain after defining it.")
        var start = false

        @Flag(help: "Replace a defined (not running) domain of the same name.")
        var replace = false

        @Flag(help: "Continue after an interruption: unfinished imports resume, finished ones are reused.")
        var resume = false

        @Flag(help: "Print the plan and the domain XML without importing or defining anything.")
        var dryRun = false

        @OptionGroup var tuning: ImportTuning

        @Option(help: "Progress display: auto, bar, json or none.")
        var progress: ProgressMode = .auto

        @OptionGroup var ceph: CephOptions

        @OptionGroup var vsphere: VSphereOptions

        @Option(help: "For a running vSphere VM: guest (VMware Tools shutdown, fail after the timeout) or poweroff (the same, then power off). Without it a running VM is refused.")
        var shutdown: ShutdownPolicy?

        @Option(help: "Seconds a guest shutdown may take.")
        var shutdownTimeout = 300

        func run() async throws {
            try await vsphere.withSessions(for: source) { try await migrate() }
        }

        private func migrate() async throws {
            let cluster = try ceph.connect()
            defer { cluster.shutdown() }
            guard let target = RBDPoolSpec(parsing: pool) else {
                throw ValidationError("--pool takes POOL or POOL/NAMESPACE")
            }
            // Each --network is checked as it is split, so the one it names is in the message.
            let networks = try Dictionary(
                network.map { let (name, target) = try Self.networkMapping($0); return (name, target.description) },
                uniquingKeysWith: { _, last in last })
            let settings = DomainSettings(
                name: name, keepBus: keepBus, networks: networks, defaultNetwork: defaultNetwork,
                domainType: domainType, serialLog: serialLog)
            let plan: DomainPlan
            do {
                plan = try settings.domainPlan()
            } catch {
                switch error.setting {
                case .network: throw ValidationError("--network: \(error)")
                case .defaultNetwork:
                    throw ValidationError("--default-network: '\(error.value)' is not bridge:, network: or ovs:")
                case .domainType: throw ValidationError("--domain-type takes kvm or qemu")
                }
            }

            let inventory = try nodes.map { (path) throws -> NodeInventory in try NodeInventory(contentsOf: path) }
                ?? NodeInventory.thisHost()
            // A migration always reads its images back: the domain must boot what the VM held.
            let importOptions = tuning.importOptions(resume: resume, verify: true, source: source)
            var request = VMMigration.Request(
                source: source, pool: target.pool, namespace: target.namespace, node: node,
                inventory: inventory, plan: plan, datastores: DatastoreMap(try Self.datastoreMap(datastore)),
                importOptions: importOptions, replace: replace, start: start)
            request.shutdown = shutdown
            request.shutdownTimeout = .seconds(shutdownTimeout)
            let migration = VMMigration(cluster: cluster, request: request)
            let prepared = try await migration.prepare()
            Output.standardError(Self.describe(prepared))
            if dryRun {
                Output.standardOutput(prepared.definition.xml + "\n")
                return
            }
            let renderer = ProgressRenderer(mode: progress.resolved, label: prepared.definition.name)
            let totals = ProgressTotals(count: prepared.images.count)
            let outcome = try await migration.run(prepared) { index, snapshot in
                renderer.render(totals.update(index, snapshot))
            }
            renderer.finish()
            if let note = outcome.sourceNote { Output.standardError("\(note)\n") }
            let registration = outcome.registration
            Output.standardOutput(
                "migrated \(outcome.prepared.inspection.vm.name) to domain \(registration.domainName) (uuid \(registration.uuid)) on \(outcome.prepared.node.name): "
                    + "\(outcome.imports.count) disk(s) in \(outcome.prepared.images.map(\.description).joined(separator: ", "))"
                    + (registration.started ? ", started" : ", defined (not started)") + "\n")
        }

        static func networkMapping(_ argument: String) throws -> (String, NetworkTarget) {
            guard let equals = argument.lastIndex(of: "="),
                let target = NetworkTarget(argument: String(argument[argument.index(after: equals)...]))
            else { throw ValidationError("--network takes 'VMware network=bridge:NAME|network:NAME|ovs:BRIDGE', not '\(argument)'") }
            return (String(argument[..<equals]), target)
        }

        static func datastoreMap(_ arguments: [String]) throws -> [String: String] {
            var map: [String: String] = [:]
            for argument in arguments {
                guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                    throw ValidationError("--datastore takes NAME=/local/folder, not '\(argument)'")
                }
                map[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            }
            return map
        }

        static func describe(_ prepared: VMMigration.Prepared) -> String {
            var lines = ["plan: \(prepared.inspection.vm.name) → domain \(prepared.definition.name) on node \(prepared.node.name) (\(prepared.node.uri))"]
            for (disk, image) in zip(prepared.inspection.disks, prepared.images) {
                lines.append("  disk \(disk.slot) \(disk.path ?? "-") → \(image)")
            }
            lines += prepared.notes.map { "  note: \($0)" }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

/// Sums the progress of a VM's disks into one bar.
private final class ProgressTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: [ImportProgress.Snapshot?]

    init(count: Int) { latest = Array(repeating: nil, count: count) }

    func update(_ index: Int, _ snapshot: ImportProgress.Snapshot) -> ImportProgress.Snapshot {
        lock.lock()
        defer { lock.unlock() }
        latest[index] = snapshot
        let known = latest.compactMap { $0 }
        let done = known.reduce(0) { $0 + $1.doneBytes }
        let total = known.reduce(0) { $0 + $1.totalBytes }
        let rate = known.reduce(0) { $0 + $1.bytesPerSecond }
        let elapsed = known.map(\.elapsedSeconds).max() ?? 0
        return ImportProgress.Snapshot(
            doneBytes: done, totalBytes: total, writtenBytes: known.reduce(0) { $0 + $1.writtenBytes },
            elapsedSeconds: elapsed, bytesPerSecond: rate,
            etaSeconds: rate > 0 ? Double(total - min(total, done)) / rate : nil)
    }
}

extension ShutdownPolicy: ExpressibleByArgument {}
