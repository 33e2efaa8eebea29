import Ceph
import Ferry
import Foundation
import Libvirt
import TestSupport

/// Small VMware VMs on disk, a service configuration with a queue of its own, and cleanup
/// of everything a plan's jobs create (images, domains, the queue's objects).
struct JobFixture {
    let directory: URL
    let namespace: String
    let configPath: String
    /// VM name → its .vmx.
    private(set) var vms: [String: String] = [:]
    let cluster: RadosCluster

    /// - Parameter extraConfig: YAML lines appended to the configuration (limits, workers…).
    /// - Parameter nodes: the `nodes:` list (YAML flow form); this host's libvirt by default.
    init(extraConfig: String = "", slots: Int = 2, nodes: String? = nil) throws {
        directory = try TestEnvironment.scratchDirectory()
        namespace = TestEnvironment.uniqueName("jobs")
        configPath = directory.appendingPathComponent("ferry.yaml").path
        let conf = try TestEnvironment.cephConfigFile()
        try """
            cluster: {conf: \(conf)}
            queue: {pool: \(TestEnvironment.pool), namespace: \(namespace)}
            nodes: \(nodes ?? "[{name: local, uri: \"\(TestEnvironment.libvirtURI)\"}]")
            networks: {"VM Network": "bridge:ferry-jobs-none"}
            workers: {slots: \(slots), lease_seconds: 9, poll_seconds: 0.3, retry_backoff_seconds: 1}
            \(extraConfig)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        cluster = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
    }

    /// A VM with a sparse boot disk holding `dataMiB` of data and an empty SATA disk.
    mutating func addVM(_ name: String, dataMiB: Int = 6) throws {
        let folder = directory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/\(name).vmdk", "\(max(64, dataMiB * 2))M"])
        try Command.run([
            "qemu-io", "-f", "vmdk", "-c", "write -P 0x5A 0 \(dataMiB)M", "-c", "write -P 0xA5 \(dataMiB + 3)M 64k",
            "\(folder)/\(name).vmdk",
        ])
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/data.vmdk", "16M"])
        // Each VM its own SMBIOS UUID, as vCenter gives clones; libvirt keys domains by it.
        let uuid = UUID().uuid
        let bytes = withUnsafeBytes(of: uuid) { Array($0) }.map { String(format: "%02x", $0) }
        let vmxUUID = bytes[0..<8].joined(separator: " ") + "-" + bytes[8..<16].joined(separator: " ")
        try ImportFixtures.vmx(name: name, memoryMiB: 64, vcpus: 1, coresPerSocket: 1)
            .replacingOccurrences(of: "42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8", with: vmxUUID)
            .write(toFile: "\(folder)/\(name).vmx", atomically: true, encoding: .utf8)
        vms[name] = "\(folder)/\(name).vmx"
    }

    /// One VM with 24 MiB of data, queued, in a queue whose host cap makes its import last
    /// seconds: long enough to interrupt it mid-way.
    static func slowSingleVM(_ prefix: String, mibPerSecond: Int) throws -> (JobFixture, String) {
        var fixture = try JobFixture(extraConfig: "limits: {max_mib_per_second: \(mibPerSecond)}", slots: 1)
        let name = TestEnvironment.uniqueName(prefix)
        try fixture.addVM(name, dataMiB: 24)
        let submit = try FerryRun.run(["submit", try fixture.plan([fixture.vmEntry(name)])] + fixture.serviceArguments)
        guard submit.status == 0 else { throw Command.Failed(description: "submit failed: \(submit.standardError)") }
        return (fixture, name)
    }

    /// Writes a plan listing `entries` (YAML list items) and returns its path.
    func plan(_ entries: [String], name: String = "wave") throws -> String {
        let path = directory.appendingPathComponent("\(name).yaml").path
        try (["name: \(name)", "defaults: {pool: \(TestEnvironment.pool)}", "vms:"] + entries.map { "  - \($0)" })
            .joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func vmEntry(_ name: String, extra: String = "") -> String {
        "{source: \"\(vms[name]!)\"\(extra.isEmpty ? "" : ", \(extra)")}"
    }

    var store: JobStore {
        get throws { try JobStore(cluster: cluster, pool: TestEnvironment.pool, namespace: namespace) }
    }

    var serviceArguments: [String] { ["--config", configPath] }

    /// The queue's jobs, from the index.
    func jobs() throws -> [JobSummary] { try store.summaries() }

    /// Polls until `condition` holds for the index, or fails after `seconds`.
    func waitFor(_ what: String, seconds: Double = 60, _ condition: ([JobSummary]) -> Bool) async throws -> [JobSummary] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let jobs = try self.jobs()
            if condition(jobs) { return jobs }
            if Date() > deadline { throw Command.Failed(description: "timed out waiting for \(what): \(jobs.map { "\($0.name)=\($0.state.rawValue)" })") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// sha256 of qemu-img's raw conversion of a VM's disk vs of the RBD image.
    func imageMatchesSource(vm name: String, disk: Int) throws -> Bool {
        let vmdk = disk == 0 ? "\(name)/\(name).vmdk" : "\(name)/data.vmdk"
        let oracle = try ImportFixtures.oracleDigest(directory.appendingPathComponent(vmdk).path, in: directory)
        let image = try ImportFixtures.imageDigest("\(TestEnvironment.pool)/\(name)-disk\(disk)", in: directory)
        return oracle == image
    }

    /// Removes the VMs' images and domains, the queue's objects and the scratch folder.
    func cleanUp() {
        if let pool = try? cluster.ioContext(pool: TestEnvironment.pool) {
            for name in vms.keys {
                for disk in 0..<2 { try? pool.removeImage("\(name)-disk\(disk)", purgingSnapshots: true) }
            }
        }
        let uris = [TestEnvironment.libvirtURI] + ((try? TestEnvironment.secondNodeURI()).map { [$0] } ?? [])
        for hypervisor in uris.compactMap({ try? Hypervisor(uri: $0) }) {
            for name in vms.keys {
                if let domain = try? hypervisor.domain(named: name) {
                    try? domain.destroy()
                    try? domain.undefine()
                }
            }
        }
        if let store = try? store, let jobs = try? store.summaries() {
            for job in jobs { try? store.context.removeObject("ferry.job.\(job.id)") }
            try? store.context.removeObject(JobStore.indexObject)
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
