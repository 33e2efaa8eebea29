import Ceph
import Foundation
import Libvirt
import Testing
import TestSupport

/// Clusters whose `rbd default order` is not 22. A window sized for 4 MiB objects made
/// `ferry migrate` fail after creating an image with 8 MiB objects; every path now learns the
/// object size before creating anything. Each order runs through the three ways in —
/// `import-disk`, `migrate`, a job — against a copy of the cluster's ceph.conf (the shared
/// one is never changed), and each image is compared with qemu-img's raw conversion.
@Suite("object orders 20, 23 and 25 through import-disk, migrate and jobs", .serialized)
struct ObjectOrderTests {
    static let orders = [20, 23, 25]

    @Test("import-disk writes images with the cluster's default object size", arguments: orders)
    func importDisk(order: Int) throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = try Self.confWithOrder(order, in: directory)
        let pool = try Self.pool()
        let name = TestEnvironment.uniqueName("order\(order)-import")
        defer { ImportFixtures.removeImage(pool, name) }
        let vmdk = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(vmdk, subformat: "monolithicSparse")

        let run = try FerryRun.run([
            "import-disk", vmdk, "\(TestEnvironment.pool)/\(name)", "--conf", conf, "--verify", "--progress", "none",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Self.order(of: name, in: pool) == order)
        #expect(try ImportFixtures.imageDigest("\(TestEnvironment.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(vmdk, in: directory))
    }

    @Test("migrate imports every disk with the cluster's default object size", arguments: orders)
    func migrate(order: Int) throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = try Self.confWithOrder(order, in: directory)
        let vm = try Self.makeVM(TestEnvironment.uniqueName("order\(order)-mig"), in: directory)
        let pool = try Self.pool()
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        defer { Self.remove(vm: vm.name, pool: pool, hypervisor: hypervisor) }

        let run = try FerryRun.run(Self.migrateArguments(vm, conf: conf))
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try hypervisor.domain(named: vm.name) != nil)
        for (index, vmdk) in vm.disks.enumerated() {
            let image = "\(vm.name)-disk\(index)"
            #expect(try Self.order(of: image, in: pool) == order, "\(image)")
            #expect(try ImportFixtures.imageDigest("\(TestEnvironment.pool)/\(image)", in: directory)
                    == ImportFixtures.oracleDigest(vmdk, in: directory), "\(image) differs from \(vmdk)")
        }
    }

    /// The worker's host-wide window is sized for the cluster's default objects; on the
    /// order-20 cluster a second VM asks for 32 MiB objects in the plan, larger than those
    /// buffers, and must still be imported (under a window of its own), not fail.
    @Test("ferry run migrates a plan with the cluster's default object size, and object_size above it",
          .timeLimit(.minutes(4)), arguments: orders)
    func job(order: Int) async throws {
        var fixture = try JobFixture(slots: 2)
        defer { fixture.cleanUp() }
        let conf = try Self.confWithOrder(order, in: fixture.directory)
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "cluster: {conf: \(try TestEnvironment.cephConfigFile())}", with: "cluster: {conf: \(conf)}")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let plain = TestEnvironment.uniqueName("order\(order)-job")
        try fixture.addVM(plain)
        var entries = [fixture.vmEntry(plain)]
        var expected = [plain: order]
        if order == 20 {
            let large = TestEnvironment.uniqueName("order\(order)-job32")
            try fixture.addVM(large)
            entries.append(fixture.vmEntry(large, extra: "object_size: 33554432"))
            expected[large] = 25
        }

        let run = try FerryRun.run(["run", try fixture.plan(entries)] + fixture.serviceArguments)
        #expect(run.status == 0, "\(run.standardError.suffix(600))")
        let pool = try Self.pool()
        for (name, imageOrder) in expected {
            for disk in 0..<2 {
                #expect(try Self.order(of: "\(name)-disk\(disk)", in: pool) == imageOrder, "\(name)-disk\(disk)")
                #expect(try fixture.imageMatchesSource(vm: name, disk: disk), "\(name)-disk\(disk)")
            }
        }
    }

    /// librbd ignores a data pool equal to the image's own pool, and the test cluster has one
    /// pool: this proves `--data-pool` is accepted and passed on without harm; the next test
    /// proves a missing one is refused.
    @Test("migrate --object-size (and the other tuning options) gives every image that object size")
    func migrateObjectSizeOption() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = try Self.confWithOrder(20, in: directory)
        let vm = try Self.makeVM(TestEnvironment.uniqueName("order-opt"), in: directory)
        let pool = try Self.pool()
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        defer { Self.remove(vm: vm.name, pool: pool, hypervisor: hypervisor) }

        let run = try FerryRun.run(
            Self.migrateArguments(vm, conf: conf)
                + ["--object-size", "8388608", "--data-pool", TestEnvironment.pool, "--readers", "3", "--max-rate", "500"])
        #expect(run.status == 0, "\(run.standardError)")
        for (index, vmdk) in vm.disks.enumerated() {
            let image = "\(vm.name)-disk\(index)"
            #expect(try Self.order(of: image, in: pool) == 23, "\(image)")
            #expect(try ImportFixtures.imageDigest("\(TestEnvironment.pool)/\(image)", in: directory)
                    == ImportFixtures.oracleDigest(vmdk, in: directory))
        }
    }

    @Test("a check that fails before copying (a data pool that does not exist) leaves no image, domain or secret")
    func failedCheckLeavesNothing() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = try Self.confWithOrder(23, in: directory)
        let vm = try Self.makeVM(TestEnvironment.uniqueName("order-nopool"), in: directory)
        let pool = try Self.pool()
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        defer { Self.remove(vm: vm.name, pool: pool, hypervisor: hypervisor) }
        let secretsBefore = try Self.secretUUIDs()

        let missing = TestEnvironment.uniqueName("ferry-no-such-pool")
        let run = try FerryRun.run(Self.migrateArguments(vm, conf: conf) + ["--data-pool", missing])
        #expect(run.status == 1)
        #expect(run.standardError.contains("data pool \(missing)"), "\(run.standardError)")
        #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
        for index in vm.disks.indices {
            #expect(try pool.imageExists("\(vm.name)-disk\(index)") == false)
        }
        #expect(try hypervisor.domain(named: vm.name) == nil)
        #expect(try Self.secretUUIDs() == secretsBefore)
    }

    // MARK: - Fixtures

    /// A copy of the test cluster's ceph.conf with `rbd default order = order` under [global].
    static func confWithOrder(_ order: Int, in directory: URL) throws -> String {
        let original = try String(contentsOfFile: try TestEnvironment.cephConfigFile(), encoding: .utf8)
        guard let global = original.range(of: "[global]\n") else {
            throw Command.Failed(description: "the test cluster's ceph.conf has no [global] section")
        }
        var text = original
        text.insert(contentsOf: "rbd default order = \(order)\n", at: global.upperBound)
        let path = directory.appendingPathComponent("ceph-order\(order).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    struct VM {
        var name: String
        var vmx: String
        /// disk0 (a 96 MiB monolithicSparse disk with data across object boundaries) and disk1
        /// (the same data, streamOptimized).
        var disks: [String]
    }

    static func makeVM(_ name: String, in directory: URL) throws -> VM {
        let folder = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let disks = ["\(folder.path)/\(name).vmdk", "\(folder.path)/data.vmdk"]
        try ImportFixtures.makeDisk(disks[0], subformat: "monolithicSparse")
        try ImportFixtures.makeDisk(disks[1], subformat: "streamOptimized")
        let uuid = withUnsafeBytes(of: UUID().uuid) { Array($0) }.map { String(format: "%02x", $0) }
        try ImportFixtures.vmx(name: name, memoryMiB: 64, vcpus: 1, coresPerSocket: 1)
            .replacingOccurrences(
                of: "42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8",
                with: uuid[0..<8].joined(separator: " ") + "-" + uuid[8..<16].joined(separator: " "))
            .write(toFile: "\(folder.path)/\(name).vmx", atomically: true, encoding: .utf8)
        return VM(name: name, vmx: "\(folder.path)/\(name).vmx", disks: disks)
    }

    static func migrateArguments(_ vm: VM, conf: String) -> [String] {
        [
            "migrate", vm.vmx, "--pool", TestEnvironment.pool, "--conf", conf, "--network",
            "VM Network=bridge:ferry-order-none", "--progress", "none",
        ]
    }

    static func pool() throws -> IOContext {
        try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: TestEnvironment.pool)
    }

    static func order(of image: String, in pool: IOContext) throws -> Int {
        let opened = try pool.openImage(image, readOnly: true)
        defer { try? opened.close() }
        return try opened.stat().order
    }

    static func secretUUIDs() throws -> [String] {
        let list = String(decoding: try Command.run(["virsh", "-c", TestEnvironment.libvirtURI, "secret-list"]), as: UTF8.self)
        return list.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first.map(String.init) }.sorted()
    }

    static func remove(vm name: String, pool: IOContext, hypervisor: Hypervisor) {
        if let domain = try? hypervisor.domain(named: name) {
            try? domain.destroy()
            try? domain.undefine()
        }
        for disk in 0..<2 { ImportFixtures.removeImage(pool, "\(name)-disk\(disk)") }
    }
}
