import Ceph
import Foundation
import Testing
import TestSupport

@Suite("Keyring files")
struct KeyringTests {
    @Test("parses sections and keys, and never prints a key")
    func parse() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("test.keyring").path
        let key = "AQBzZm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg=="
        try """
        # comment
        [client.ferry]
        \tkey = \(key)
        \tcaps mon = "profile rbd"
        [client.admin]
        key=AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        let keyring = try Keyring(path: path)
        #expect(try keyring.key(for: "client.ferry") == key)
        #expect(keyring.entities == ["client.admin", "client.ferry"])
        #expect(keyring.isWorldReadable)
        #expect(!"\(keyring)".contains(key))
        let missing = try #require(throws: CephError.self) { try keyring.key(for: "client.nobody") }
        #expect(missing.code == .notFound)
        #expect(!missing.description.contains(key))
        chmod(path, 0o600)
        #expect(try Keyring(path: path).isWorldReadable == false)
    }
}
