// swift-tools-version:6.1
import PackageDescription

// One set of settings for every Swift target (STYLE.md §12).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .library(name: "Ferry", targets: ["Ferry"]),
        .executable(name: "ferry-fuzz", targets: ["ferry-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries from Debian's -dev packages. librados/librbd ship no .pc file,
        // so CCeph names its libraries in its module map.
        .systemLibrary(name: "CCeph", providers: [.apt(["librados-dev", "librbd-dev"])]),
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXXHash", providers: [.apt(["libxxhash-dev"])]),

        .target(name: "Hashing", dependencies: ["CCrypto", "CXXHash"], swiftSettings: swiftSettings),
        // The import engine's contract with disk readers: random reads and an allocation map.
        .target(name: "DiskReading", swiftSettings: swiftSettings),
        // What every layer shares and none owns: the error protocol the CLI catches, errno
        // words, whole-file reads without Foundation's texts, the windows-1252 decoder.
        .target(name: "FerryBasics", swiftSettings: swiftSettings),

        // The one way to run a blocking C call off Swift's cooperative pool.
        .target(name: "BlockingCalls", swiftSettings: swiftSettings),
        .target(name: "Ceph", dependencies: ["CCeph", "FerryBasics", "BlockingCalls"], swiftSettings: swiftSettings),
        .target(name: "Libvirt", dependencies: ["CLibvirt", "FerryBasics", "BlockingCalls"], swiftSettings: swiftSettings),
        .target(
            name: "VMDK", dependencies: ["CDeflate", "Hashing", "DiskReading", "FerryBasics"],
            swiftSettings: swiftSettings),
        .target(name: "VMwareConfig", dependencies: ["FerryBasics"], swiftSettings: swiftSettings),
        // ESXi and vCenter: the vSphere Web Services API (SOAP) for inventory and power, and
        // datastore files over HTTPS `/folder` as one more ``FileAccess``.
        .target(
            name: "VSphere",
            dependencies: [
                "VMDK", "VMwareConfig", "FerryBasics", "Hashing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Ferry",
            dependencies: [
                "Ceph", "Libvirt", "DiskReading", "VMDK", "VMwareConfig", "Hashing", "FerryBasics", "BlockingCalls",
                "VSphere",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API, server-sent progress, dashboard and metrics of `ferry serve`.
        .target(
            name: "FerryServer",
            dependencies: [
                "Ferry", "Ceph", "Hashing", "FerryBasics", "BlockingCalls",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/dashboard.html"), .embedInCode("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "Ferry", "FerryServer", "Ceph", "Libvirt", "VMDK", "VMwareConfig", "FerryBasics", "VSphere",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz targets for the parsers of untrusted input: a libFuzzer binary when built by
        // Docker/dev/fuzz.sh (coverage, ASan, -DFERRY_FUZZING), a corpus replayer otherwise.
        .executableTarget(
            name: "ferry-fuzz", dependencies: ["Ferry", "VMDK", "VMwareConfig"], swiftSettings: swiftSettings),

        // Helpers shared by the integration tests: where the cluster is, test patterns, tools.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // VMs, plans and an XML reader shared by the migration unit and integration tests.
        .target(
            name: "MigrationTestSupport", dependencies: ["Ferry", "Ceph", "VMwareConfig"],
            path: "Tests/MigrationTestSupport", swiftSettings: swiftSettings),

        // Unit tests: no cluster, no libvirtd, no spawned ferry; tools such as qemu-img are
        // fine. `swift test --filter 'UnitTests|FerryBasicsTests|VMDKTests|VMwareConfigTests|FuzzRegressionTests'`
        // runs them (and only them) on a machine without Ceph.
        .testTarget(name: "CephUnitTests", dependencies: ["Ceph", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FerryUnitTests",
            dependencies: [
                "Ferry", "Ceph", "Libvirt", "DiskReading", "VMDK", "VMwareConfig", "VSphere", "TestSupport",
                "MigrationTestSupport", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        // The HTTP API in process, against an in-memory queue.
        .testTarget(
            name: "ServerUnitTests",
            dependencies: [
                "FerryServer", "Ferry", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),

        // Integration tests: the local cluster, libvirtd, spawned binaries.
        .testTarget(name: "CephTests", dependencies: ["Ceph", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LibvirtTests", dependencies: ["Libvirt", "Ceph", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FerryTests",
            dependencies: [
                "Ferry", "Ceph", "Libvirt", "VMDK", "VMwareConfig", "TestSupport", "MigrationTestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        // Fault injection on the shared cluster; run separately (see Docker/dev/test.sh).
        .testTarget(name: "FaultTests", dependencies: ["Ceph", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ServerTests", dependencies: ["Hashing", "TestSupport"], swiftSettings: swiftSettings),
        // Writers for disk forms qemu-img cannot create (ESXi descriptors, COWD, seSparse).
        .target(name: "VMDKFixtures", path: "Tests/VMDKFixtures", swiftSettings: swiftSettings),
        .testTarget(name: "VMDKTests", dependencies: ["VMDK", "Hashing", "VMDKFixtures"], swiftSettings: swiftSettings),
        // Against vcsim (govmomi's simulator) behind nginx: Docker/dev/vcsim-up.sh, nginx-up.sh.
        .testTarget(
            name: "VSphereTests",
            dependencies: [
                "VSphere", "VMDK", "VMwareConfig", "Ferry", "Ceph", "Libvirt", "TestSupport", "MigrationTestSupport",
                "VMDKFixtures",
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "FerryBasicsTests", dependencies: ["FerryBasics"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VMwareConfigTests", dependencies: ["VMwareConfig", "TestSupport"], swiftSettings: swiftSettings),
        // Inputs the fuzzers (Docker/dev/fuzz.sh) found, rebuilt in code.
        .testTarget(
            name: "FerryFuzzRegressionTests", dependencies: ["Ferry", "VMwareConfig"], swiftSettings: swiftSettings),
    ]
)
