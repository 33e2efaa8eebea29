import Foundation
import MigrationTestSupport
import Testing

@testable import Ferry

@Suite("Deterministic ceph secret identity")
struct MigrationSecretIdentityTests {
    static let fsid = "e765e77c-449a-4dda-b9db-dfd283ac241f"

    @Test("version-5 UUIDs match RFC 4122's construction (Python's uuid5 vector)")
    func knownVector() {
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(NameBasedUUID.version5(namespace: dns, name: "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    @Test("same cluster and user give the same UUID and usage; anything else differs")
    func deterministic() {
        let one = CephSecretIdentity(clusterFSID: Self.fsid, user: "ferry")
        #expect(one == CephSecretIdentity(clusterFSID: Self.fsid, user: "ferry"))
        #expect(
            one == CephSecretIdentity(clusterFSID: Self.fsid.uppercased(), user: "client.ferry"),
            "the same entity however it is spelled")
        #expect(one.usage == "ferry client.ferry@\(Self.fsid)")
        #expect(one.uuid != CephSecretIdentity(clusterFSID: Self.fsid, user: "admin").uuid)
        #expect(one.uuid != CephSecretIdentity(clusterFSID: "0b6c61c4-1f3b-4a4e-9d0e-6f6c2f4a1e3d", user: "ferry").uuid)
    }

    @Test("the UUID has the RFC 4122 version-5 layout")
    func layout() throws {
        let uuid = CephSecretIdentity(clusterFSID: Self.fsid, user: "ferry").uuid
        #expect(UUID(uuidString: uuid) != nil)
        #expect(uuid == uuid.lowercased())
        let groups = uuid.split(separator: "-").map(String.init)
        #expect(groups.map(\.count) == [8, 4, 4, 4, 12])
        #expect(groups[2].first == "5", "version nibble")
        #expect(["8", "9", "a", "b"].contains(groups[3].first), "variant 10xx")
    }

    @Test("the secret's definition is private and persistent, and holds no value")
    func secretXML() throws {
        let text = CephSecretProvisioner.secretXML(
            uuid: "6f1c2b8e-5a4d-5e3f-9a7b-0c1d2e3f4a5b", usage: "ferry <x> & 'y'")
        let xml = try ParsedXML(text)
        #expect(try xml.value("/secret/@private") == "yes")
        #expect(try xml.value("/secret/@ephemeral") == "no")
        #expect(try xml.value("/secret/uuid") == "6f1c2b8e-5a4d-5e3f-9a7b-0c1d2e3f4a5b")
        #expect(try xml.value("/secret/usage[@type='ceph']/name") == "ferry <x> & 'y'")
        #expect(try xml.count("//value") == 0)
    }
}
