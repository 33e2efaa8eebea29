import Ceph
import Ferry
import Foundation
import Libvirt
import TestSupport
import Testing

/// `ferry migrate` over two real libvirt nodes: node1 is the local libvirtd, node2 the one
/// `Docker/dev/libvirt-node2-up.sh` runs in its own network and mount namespace (own
/// domains, own secrets), reached over TCP. Both share this machine's memory, so which node
/// wins is decided by the memory promised to stopped domains — the thing under test.
///
/// Serialized: the placeholder domains must not overlap. A placeholder takes half the free
/// memory rather than all of it, so that other suites placing small VMs on node1 at the same
/// time still find room; half is still a margin of gigabytes between the two nodes.
extension SecondNodeSuites {
    @Suite("ferry migrate over two libvirt nodes", .serialized, .timeLimit(.minutes(3)))
    struct TwoNodeMigrationTests {
        /// Both nodes, a YAML inventory naming them, the cluster, and a scratch folder for VMs;
        /// `cleanUp()` removes every placeholder, VM domain and image made through it.
        final class Nodes {
            let node1: Hypervisor
            let node2: Hypervisor
            let cluster: RadosCluster
            let pool: IOContext
            let conf: String
            let directory: URL
            let inventoryPath: String
            private var placeholders: [Domain] = []
            private var vmNames: [String] = []

            init() throws {
                conf = try TestEnvironment.cephConfigFile()
                cluster = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
                pool = try cluster.ioContext(pool: TestEnvironment.pool)
                node1 = try Hypervisor(uri: TestEnvironment.libvirtURI)
                node2 = try Hypervisor(uri: try TestEnvironment.secondNodeURI())
                directory = try TestEnvironment.scratchDirectory()
                inventoryPath = directory.appendingPathComponent("nodes.yaml").path
                try """
                nodes:
                  - name: node1
                    uri: \(node1.uri)
                  - name: node2
                    uri: \(node2.uri)
                """.write(toFile: inventoryPath, atomically: true, encoding: .utf8)
            }

            func cleanUp() {
                for placeholder in placeholders { try? placeholder.undefine() }
                for name in vmNames {
                    for hypervisor in [node1, node2] {
                        guard let domain = try? hypervisor.domain(named: name) else { continue }
                        if (try? domain.isActive()) == true { try? domain.destroy() }
                        try? domain.undefine()
                    }
                    try? pool.removeImage("\(name)-disk0", purgingSnapshots: true)
                }
                try? FileManager.default.removeItem(at: directory)
            }

            /// A VM with one 8 MiB SCSI disk holding 1 MiB of data and no NIC, under a fresh name.
            func writeVM(_ prefix: String, memoryMiB: Int) throws -> (name: String, vmx: String) {
                let name = TestEnvironment.uniqueName(prefix)
                vmNames.append(name)
                let folder = directory.appendingPathComponent(name).path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/disk.vmdk", "8M"])
                try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x5a 1M 1M", "\(folder)/disk.vmdk"])
                let vmx = "\(folder)/\(name).vmx"
                try """
                displayName = "\(name)"
                memSize = "\(memoryMiB)"
                scsi0.present = "TRUE"
                scsi0:0.present = "TRUE"
                scsi0:0.fileName = "disk.vmdk"
                """.write(toFile: vmx, atomically: true, encoding: .utf8)
                return (name, vmx)
            }

            func migrate(_ vmx: String, _ extra: [String] = []) throws -> FerryRun {
                try FerryRun.run(
                    [
                        "migrate", vmx, "--pool", TestEnvironment.pool, "--conf", conf, "--nodes", inventoryPath,
                        "--domain-type", LiveMigrationSetup.domainType.rawValue, "--progress", "none",
                    ] + extra)
            }

            /// A defined domain that is never started and claims half of the node's free memory
            /// (in whole 4 MiB steps) when it is.
            func placeholder(on hypervisor: Hypervisor) throws -> Domain {
                let bytes = ((try hypervisor.nodeInfo().freeMemoryBytes / 2) >> 22) << 22
                let domain = try hypervisor.defineDomain(
                    xml: """
                        <domain type='qemu'>
                          <name>\(TestEnvironment.uniqueName("ferry-placeholder"))</name>
                          <memory unit='KiB'>\(bytes >> 10)</memory>
                          <vcpu>1</vcpu>
                          <os><type arch='x86_64'>hvm</type></os>
                        </domain>
                        """)
                placeholders.append(domain)
                return domain
            }

            var secretIdentity: CephSecretIdentity {
                get throws { CephSecretIdentity(clusterFSID: try cluster.fsid(), user: cluster.configuration.userID) }
            }

            /// Twice the node's whole memory: fits no node.
            var hugeMiB: Int {
                get throws { Int(try node1.nodeInfo().memoryBytes >> 20) * 2 / 4 * 4 }
            }
        }

        /// `PREFIX F MiB free, P MiB promised` in ferry's plan notes or error, as (F, P) in MiB;
        /// the prefix is `node1:` in the per-node report, `node node1 has` in a warning.
        static func memory(_ prefix: String, in text: String) throws -> (free: Int, promised: Int)? {
            guard let match = text.firstMatch(of: try Regex("\(prefix) ([0-9]+) MiB free, ([0-9]+) MiB promised")),
                let free = match.output[1].substring.flatMap({ Int($0) }),
                let promised = match.output[2].substring.flatMap({ Int($0) })
            else { return nil }
            return (free, promised)
        }

        @Test("automatic placement avoids node1, whose memory a stopped domain holds: domain and ceph secret land on node2")
        func landsOnSecondNode() throws {
            let nodes = try Nodes()
            defer { nodes.cleanUp() }
            let claimed = try nodes.placeholder(on: nodes.node1).maxMemoryBytes()
            let vm = try nodes.writeVM("ferry-2n-auto", memoryMiB: 128)
            let identity = try nodes.secretIdentity
            let usage = SecretUsage.ceph(name: identity.usage)
            // node1's secret is shared with the other suites; node2's is removed only if this test made it.
            let secretExisted = try nodes.node2.secret(usage: usage) != nil
            defer { if !secretExisted { try? nodes.node2.secret(usage: usage)?.undefine() } }

            let run = try nodes.migrate(vm.vmx)
            #expect(run.status == 0, "\(run.standardError)")
            #expect(run.standardError.contains("on node node2 (\(nodes.node2.uri))"), "\(run.standardError)")
            #expect(run.standardOutput.contains("on node2"), "\(run.standardOutput)")
            let node1 = try #require(try Self.memory("node1:", in: run.standardError), "\(run.standardError)")
            #expect(node1.promised >= Int(claimed >> 20), "the placeholder counts as promised")
            #expect(try Self.memory("node2:", in: run.standardError) != nil, "\(run.standardError)")

            #expect(try nodes.node1.domain(named: vm.name) == nil)
            let domain = try #require(try nodes.node2.domain(named: vm.name))
            #expect(try domain.isActive() == false)
            #expect(try domain.xml(inactive: true).contains("<secret type='ceph' uuid='\(identity.uuid)'/>"))
            let secret = try #require(try nodes.node2.secret(usage: usage), "no ceph secret on node2")
            #expect(secret.uuid == identity.uuid)
            #expect(try nodes.pool.imageExists("\(vm.name)-disk0"))
        }

        @Test("with the stopped domain on node2 instead, automatic placement picks node1")
        func landsOnFirstNode() throws {
            let nodes = try Nodes()
            defer { nodes.cleanUp() }
            let placeholder = try nodes.placeholder(on: nodes.node2)
            let claimed = try placeholder.maxMemoryBytes()
            let vm = try nodes.writeVM("ferry-2n-first", memoryMiB: 128)

            let run = try nodes.migrate(vm.vmx, ["--dry-run"])
            #expect(run.status == 0, "\(run.standardError)")
            #expect(run.standardError.contains("on node node1 (\(nodes.node1.uri))"), "\(run.standardError)")
            let node2 = try #require(try Self.memory("node2:", in: run.standardError), "\(run.standardError)")
            #expect(node2.promised >= Int(claimed >> 20))
            #expect(try nodes.node1.domain(named: vm.name) == nil && nodes.node2.domain(named: vm.name) == nil)
            #expect(try nodes.pool.imageExists("\(vm.name)-disk0") == false, "a dry run must not import")

            // node2 serves this suite alone, so its numbers are exact: the placeholder is all it
            // promises, and a domain being replaced does not count against its own node.
            let placement = Placement(inventory: try NodeInventory(contentsOf: nodes.inventoryPath))
            let counted = try placement.choose(node: "node2", memoryMiB: 128)
            let replacing = try placement.choose(node: "node2", memoryMiB: 128, replacing: placeholder.name)
            #expect(counted.promisedMemoryBytes - replacing.promisedMemoryBytes == claimed)
        }

        @Test("--node puts the domain on the named node, and only warns (free and promised memory) when it looks too small")
        func namedNode() throws {
            let nodes = try Nodes()
            defer { nodes.cleanUp() }
            _ = try nodes.placeholder(on: nodes.node2)

            // Automatic placement would take node1 now; the named node wins.
            let smallVM = try nodes.writeVM("ferry-2n-named", memoryMiB: 128)
            let small = try nodes.migrate(smallVM.vmx, ["--node", "node2", "--dry-run"])
            #expect(small.status == 0, "\(small.standardError)")
            #expect(small.standardError.contains("on node node2 (\(nodes.node2.uri))"), "\(small.standardError)")
            #expect(!small.standardError.contains("less than"), "\(small.standardError)")

            let hugeMiB = try nodes.hugeMiB
            let hugeVM = try nodes.writeVM("ferry-2n-named", memoryMiB: hugeMiB)
            let huge = try nodes.migrate(hugeVM.vmx, ["--node", "node1", "--dry-run"])
            #expect(huge.status == 0, "\(huge.standardError)")
            #expect(huge.standardError.contains("on node node1 (\(nodes.node1.uri))"), "\(huge.standardError)")
            #expect(try Self.memory("note: node node1 has", in: huge.standardError) != nil, "\(huge.standardError)")
            #expect(huge.standardError.contains("less than the VM's \(hugeMiB) MiB"), "\(huge.standardError)")
        }

        @Test("a VM that fits neither node fails in one line naming both, before any image is made")
        func fitsNeither() throws {
            let nodes = try Nodes()
            defer { nodes.cleanUp() }
            let hugeMiB = try nodes.hugeMiB
            let vm = try nodes.writeVM("ferry-2n-huge", memoryMiB: hugeMiB)

            let run = try nodes.migrate(vm.vmx)
            #expect(run.status == 1, "\(run.standardError)")
            #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
            #expect(run.standardError.contains("no node has \(hugeMiB + 1024) MiB left"), "\(run.standardError)")
            #expect(try Self.memory("node1:", in: run.standardError) != nil, "\(run.standardError)")
            #expect(try Self.memory("node2:", in: run.standardError) != nil, "\(run.standardError)")
            #expect(try nodes.pool.imageExists("\(vm.name)-disk0") == false)
            #expect(try nodes.node1.domain(named: vm.name) == nil && nodes.node2.domain(named: vm.name) == nil)
        }
    }
}
