import Ceph
import Ferry
import Foundation
import Testing
import TestSupport
import VMwareConfig

/// Every file Ferry reads for an admin (plans, the service configuration, node inventories,
/// keyrings, VMX and OVF descriptors) says why it cannot be read in the errno's words, as the
/// VMDK layer does, never in Foundation's ("The operation could not be completed. The file
/// doesn't exist.").
@Suite("unreadable files are named in the errno's words")
struct UnreadableFileTests {
    private static let missing = "No such file or directory (ENOENT)"
    private static let foundationWords = ["operation could not be completed", "doesn’t exist", "doesn't exist", "couldn’t be"]

    private func expectErrnoWords(_ text: String, _ words: String = missing) {
        #expect(text.hasSuffix(words), "\(text)")
        for phrase in Self.foundationWords { #expect(!text.contains(phrase), "\(text)") }
    }

    @Test("a plan")
    func plan() {
        do throws(PlanError) {
            _ = try MigrationPlan(contentsOf: "/nowhere/plan.yaml")
            Issue.record("a missing plan was read")
        } catch {
            #expect(error.description == "/nowhere/plan.yaml: cannot read the plan: \(Self.missing)")
        }
    }

    @Test("the service configuration, and one that is not UTF-8")
    func configuration() throws {
        do throws(ConfigurationError) {
            _ = try ServiceConfiguration(contentsOf: "/nowhere/ferry.yaml")
            Issue.record("a missing configuration was read")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.description == "/nowhere/ferry.yaml: cannot read the configuration: \(Self.missing)")
        }
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let latin = directory.appendingPathComponent("ferry.yaml")
        try Data([0x23, 0x20, 0xE9, 0x0A]).write(to: latin)
        let error = #expect(throws: ConfigurationError.self) { try ServiceConfiguration(contentsOf: latin.path) }
        #expect(error?.description == "\(latin.path): cannot read the configuration: not UTF-8 text")
        let folder = #expect(throws: ConfigurationError.self) { try ServiceConfiguration(contentsOf: directory.path) }
        expectErrnoWords(folder?.description ?? "", "Is a directory (EISDIR)")
    }

    @Test("a node inventory")
    func inventory() {
        let error = #expect(throws: MigrationError.self) { try NodeInventory(contentsOf: "/nowhere/nodes.yaml") }
        #expect(error?.code == .invalidInventory)
        #expect(error?.description == "cannot read node inventory /nowhere/nodes.yaml: \(Self.missing)")
    }

    @Test("a keyring")
    func keyring() {
        let error = #expect(throws: CephError.self) { try Keyring(path: "/nowhere/ceph.keyring") }
        #expect(error?.code == .notFound)
        #expect(error?.description == "read keyring /nowhere/ceph.keyring: \(Self.missing)")
    }

    @Test("a VMX, as a plan's job meets it: the text of issue 13")
    func vmx() {
        let error = #expect(throws: VMwareConfigError.self) { try VMInspection.inspect(vmx: "/nowhere/busy.vmx") }
        #expect(error?.description == "/nowhere/busy.vmx: cannot be read: \(Self.missing)")
    }
}
