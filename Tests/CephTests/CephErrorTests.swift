import Ceph
import Foundation
import Testing
import TestSupport

@Suite("Ceph errors name what failed")
struct CephErrorTests {
    @Test("opening a missing image gives ENOENT naming pool and image")
    func missingImage() throws {
        let cluster = try connectTestCluster()
        let pool = try cluster.ioContext(pool: TestEnvironment.pool)
        let name = TestEnvironment.uniqueName("missing")
        let error = try #require(throws: CephError.self) { try pool.openImage(name) }
        #expect(error.code == .notFound)
        #expect(error.errno == 2)
        #expect(error.pool == TestEnvironment.pool)
        #expect(error.image == name)
        #expect(error.description == "rbd open \(TestEnvironment.pool)/\(name): No such file or directory (ENOENT)")
        #expect(try pool.imageExists(name) == false)
    }

    @Test("a missing pool is notFound naming the pool")
    func missingPool() throws {
        let cluster = try connectTestCluster()
        let error = try #require(throws: CephError.self) { try cluster.ioContext(pool: "no-such-pool-ferry") }
        #expect(error.code == .notFound)
        #expect(error.description.contains("no-such-pool-ferry"))
    }

    @Test("a missing config file fails before connecting and names the file")
    func missingConfig() {
        let configuration = ClusterConfiguration(configFile: "/nonexistent/ferry/ceph.conf")
        let error = #expect(throws: CephError.self) { try RadosCluster(configuration: configuration) }
        #expect(error?.description.contains("/nonexistent/ferry/ceph.conf") == true)
    }

    @Test("an unknown cephx user is refused")
    func unknownUser() throws {
        let configuration = ClusterConfiguration(
            configFile: try TestEnvironment.cephConfigFile(), userID: "ferry-nobody",
            options: ["client_mount_timeout": "10"])
        let error = #expect(throws: CephError.self) { try RadosCluster(configuration: configuration) }
        #expect(error?.description.contains("client.ferry-nobody") == true)
    }

    @Test("the cluster reports its monitors with v2 and v1 addresses")
    func monitors() throws {
        let cluster = try connectTestCluster()
        let monitors = try cluster.monitors()
        #expect(monitors.count >= 1)
        let addresses = monitors.flatMap(\.addresses)
        #expect(addresses.contains { $0.type == "v2" && $0.port > 0 })
        #expect(addresses.contains { $0.type == "v1" && $0.port > 0 })
        #expect(try cluster.fsid().count == 36)
    }

    @Test("the errno table maps librados results to codes")
    func errnoTable() {
        #expect(CephError(returnValue: -2, operation: "x").code == .notFound)
        #expect(CephError(returnValue: -17, operation: "x").code == .alreadyExists)
        #expect(CephError(returnValue: -28, operation: "x").code == .noSpace)
        #expect(CephError(returnValue: -110, operation: "x").code == .timedOut)
        #expect(CephError(returnValue: -13, operation: "x").code == .permissionDenied)
        #expect(CephError(returnValue: -9999, operation: "x").code == .unknown)
        let error = CephError(returnValue: -28, operation: "rbd write", pool: "rbd", image: "vm1-disk0", offset: 0x4000000)
        #expect(error.description == "rbd write rbd/vm1-disk0 at 0x4000000: No space left on device (ENOSPC)")
    }
}

@Suite("Cluster configuration")
struct ClusterConfigurationTests {
    @Test("imports run with the librbd cache off and bounded client timeouts")
    func defaults() throws {
        let cluster = try connectTestCluster()
        #expect(try cluster.configValue("rbd_cache") == "false")
        #expect(try cluster.configValue("client_mount_timeout") == "30")
        #expect(try cluster.configValue("rbd_disable_zero_copy_writes") == "false")
    }

    @Test("the config file may change the timeouts; the importer's settings and explicit options win")
    func timeoutPrecedence() throws {
        // A copy of the cluster's ceph.conf with an admin's own client settings added.
        let original = try String(contentsOfFile: try TestEnvironment.cephConfigFile(), encoding: .utf8)
        let directory = try TestEnvironment.scratchDirectory()
        let conf = directory.appendingPathComponent("ceph.conf").path
        try (original + "\n[client.admin]\nclient_mount_timeout = 12\nrbd_cache = true\n")
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let fromFile = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
        #expect(try fromFile.configValue("client_mount_timeout") == "12")
        #expect(try fromFile.configValue("rbd_cache") == "false", "the importer's own settings stay")
        var explicit = ClusterConfiguration.fromEnvironment(configFile: conf)
        explicit.options["client_mount_timeout"] = "7"
        #expect(try RadosCluster(configuration: explicit).configValue("client_mount_timeout") == "7")
    }
}
