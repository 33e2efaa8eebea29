import Ceph
import TestSupport

/// Opens the local test cluster as `client.admin`, the way the rbd CLI would with `CEPH_CONF`.
func connectTestCluster() throws -> RadosCluster {
    try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
}

/// Creates an image with a unique name, runs `body`, and removes the image afterwards.
func withScratchImage<T>(
    size: UInt64, options: ImageCreateOptions = .init(), _ body: (IOContext, String) async throws -> T
) async throws -> T {
    let cluster = try connectTestCluster()
    let pool = try cluster.ioContext(pool: TestEnvironment.pool)
    let name = TestEnvironment.uniqueName("ceph-test")
    try await pool.createImage(name, size: size, options: options)
    defer { try? pool.removeImage(name, purgingSnapshots: true) }
    return try await body(pool, name)
}
