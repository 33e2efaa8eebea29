import Ceph
import Testing
import TestSupport

@Suite("RBD metadata and snapshots")
struct RBDMetadataSnapshotTests {
    @Test("metadata set, get, list and remove round-trip")
    func metadataRoundTrip() async throws {
        try await withScratchImage(size: 1 << 20) { pool, name in
            try await pool.withImage(name) { image in
                #expect(try image.metadata("ferry.state") == nil)
                try image.setMetadata("ferry.state", to: "incomplete")
                let long = String(repeating: "0-4194304,", count: 200)  // longer than the first buffer
                try image.setMetadata("ferry.checkpoint", to: long)
                #expect(try image.metadata("ferry.state") == "incomplete")
                #expect(try image.metadata("ferry.checkpoint") == long)
                let all = try image.allMetadata()
                #expect(all["ferry.state"] == "incomplete")
                #expect(all["ferry.checkpoint"] == long)
                try image.removeMetadata("ferry.state")
                try image.removeMetadata("ferry.state")  // absent is fine
                #expect(try image.metadata("ferry.state") == nil)
            }
            // Metadata survives closing and reopening: it lives in the cluster.
            try await pool.withImage(name) { image in
                let checkpoint = try image.metadata("ferry.checkpoint")
                #expect(checkpoint?.hasPrefix("0-4194304,") == true)
            }
        }
    }

    @Test("snapshots are created, listed in order and removed")
    func snapshotRoundTrip() async throws {
        try await withScratchImage(size: 2 << 20) { pool, name in
            try await pool.withImage(name) { image in
                try image.createSnapshot("ferry-imported")
                try image.createSnapshot("second")
                #expect(try image.snapshots().map(\.name) == ["ferry-imported", "second"])
                #expect(try image.snapshots().allSatisfy { $0.size == 2 << 20 })
                let duplicate = try #require(throws: CephError.self) { try image.createSnapshot("second") }
                #expect(duplicate.code == .alreadyExists)
                try image.removeSnapshot("second")
                #expect(try image.snapshots().map(\.name) == ["ferry-imported"])
                let missing = try #require(throws: CephError.self) { try image.removeSnapshot("nope") }
                #expect(missing.code == .notFound)
            }
        }
    }
}
