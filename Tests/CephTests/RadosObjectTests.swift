import Ceph
import Testing
import TestSupport

@Suite("RADOS objects, omap and lock leases")
struct RadosObjectTests {
    /// A RADOS namespace per test: objects never collide with other tests or runs.
    private func scratchContext(_ cluster: RadosCluster) throws -> IOContext {
        try cluster.ioContext(pool: TestEnvironment.pool, namespace: TestEnvironment.uniqueName("rados-test"))
    }

    @Test("whole-object write, read and remove; absent objects read as nil")
    func objectRoundTrip() throws {
        let context = try scratchContext(try connectTestCluster())
        #expect(try context.readObject("missing") == nil)
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try context.writeObject("record", big)
        #expect(try context.readObject("record") == big)
        try context.writeObject("record", [1, 2, 3])  // write_full truncates
        #expect(try context.readObject("record") == [1, 2, 3])
        try context.removeObject("record")
        try context.removeObject("record")
        #expect(try context.readObject("record") == nil)
    }

    @Test("exclusive create refuses an existing object; a guarded write refuses a changed attribute")
    func guardedWrites() throws {
        let context = try scratchContext(try connectTestCluster())
        var create = RadosWrite()
        create.createExclusive()
        create.writeFull(Array("v1".utf8))
        create.setAttribute("owner", to: Array("worker-a".utf8))
        try context.perform(create, on: "job")
        let again = #expect(throws: CephError.self) { try context.perform(create, on: "job") }
        #expect(again?.code == .alreadyExists)

        var fenced = RadosWrite()
        fenced.requireAttribute("owner", equals: Array("worker-b".utf8))
        fenced.writeFull(Array("v2 from b".utf8))
        let refused = #expect(throws: CephError.self) { try context.perform(fenced, on: "job") }
        #expect(refused?.code == .conditionFailed)
        #expect(try context.readObject("job") == Array("v1".utf8), "a refused compound write changes nothing")

        var owned = RadosWrite()
        owned.requireAttribute("owner", equals: Array("worker-a".utf8))
        owned.writeFull(Array("v2".utf8))
        owned.setOmap([(key: "state", value: Array("running".utf8))])
        try context.perform(owned, on: "job")
        #expect(try context.readObject("job") == Array("v2".utf8))
        #expect(try context.attribute("owner", of: "job") == Array("worker-a".utf8))
        #expect(try context.attribute("absent", of: "job") == nil)
    }

    @Test("omap pages through many keys in order, filters by prefix, removes keys")
    func omapPaging() throws {
        let context = try scratchContext(try connectTestCluster())
        let entries = (0..<1_300).map { (key: "job.\(String($0, radix: 10).leftPadded(to: 5))", value: Array("\($0)".utf8)) }
        try context.setOmap(entries, on: "index")
        try context.setOmap([(key: "other", value: [])], on: "index")
        let read = try context.omapEntries(of: "index", prefix: "job.")
        #expect(read.count == 1_300)
        #expect(read.map(\.key) == entries.map(\.key))
        #expect(read[1_234].value == Array("1234".utf8))
        var remove = RadosWrite()
        remove.removeOmapKeys(["job.00000", "other"])
        try context.perform(remove, on: "index")
        let after = try context.omapEntries(of: "index")
        #expect(after.count == 1_299)
        #expect(after.first?.key == "job.00001")
        #expect(try context.omapEntries(of: "absent").isEmpty)
    }

    @Test("a lock is a lease: exclusive between clients, renewable, and free for others once it lapses")
    func lockLease() async throws {
        let first = try connectTestCluster()
        let namespace = TestEnvironment.uniqueName("rados-lock")
        let a = try first.ioContext(pool: TestEnvironment.pool, namespace: namespace)
        let b = try connectTestCluster().ioContext(pool: TestEnvironment.pool, namespace: namespace)
        try a.writeObject("job", [0])

        #expect(try a.lockExclusive("job", lock: "lease", cookie: "a", duration: .seconds(2)))
        #expect(try !b.lockExclusive("job", lock: "lease", cookie: "b", duration: .seconds(2)), "held by a")
        let holders = try b.lockers("job", lock: "lease")
        #expect(holders.count == 1)
        #expect(holders.first?.cookie == "a")
        #expect(holders.first?.client.hasPrefix("client.") == true)
        #expect(try a.lockExclusive("job", lock: "lease", cookie: "a", duration: .seconds(2), renew: true))

        try await Task.sleep(for: .seconds(3))
        // a did not renew in time: the lease lapsed and b takes it; a's renewal now fails.
        #expect(try b.lockExclusive("job", lock: "lease", cookie: "b", duration: .seconds(30)))
        #expect(try !a.lockExclusive("job", lock: "lease", cookie: "a", duration: .seconds(2), renew: true))
        #expect(try !a.unlock("job", lock: "lease", cookie: "a"), "a no longer holds it")

        // An admin can break a stuck holder's lock.
        let stuck = try a.lockers("job", lock: "lease")
        #expect(stuck.map(\.cookie) == ["b"])
        #expect(try a.breakLock("job", lock: "lease", holder: stuck[0]))
        #expect(try a.lockers("job", lock: "lease").isEmpty)
        #expect(try a.lockExclusive("job", lock: "lease", cookie: "a", duration: nil))
        #expect(try a.unlock("job", lock: "lease", cookie: "a"))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
