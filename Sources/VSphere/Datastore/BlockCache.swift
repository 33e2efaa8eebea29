import Synchronization
import VMDK

/// The last blocks read of one datastore file, for the small reads the VMDK readers make:
/// a grain table (16 KiB), a seSparse grain (4 KiB), a vmfsSparse grain (one 512-byte
/// sector, ESXi's default). Over HTTPS each would otherwise be a request of its own, and a
/// 4 GiB vmfsSparse delta holds 8 million sectors. Large reads (the import's object-sized
/// chunks) never come here.
final class BlockCache: Sendable {
    /// Bytes fetched per miss: a request's overhead is amortised over a MiB, and tables and
    /// grains written together lie together.
    static let blockSize = 1 << 20
    /// Blocks kept per file (16 MiB): enough for the readers' threads to work in different
    /// places of one delta without evicting each other's blocks.
    static let capacity = 16

    private struct State {
        var blocks: [UInt64: [UInt8]] = [:]
        /// Block numbers, least recently used first.
        var order: [UInt64] = []
    }
    private let state = Mutex(State())

    /// The block `number`, from the cache or from `fetch` (which a miss calls outside the
    /// lock; two threads missing one block may both fetch it).
    func block(_ number: UInt64, fetch: () throws(VMDKError) -> [UInt8]) throws(VMDKError) -> [UInt8] {
        if let hit = state.withLock({ state -> [UInt8]? in
            guard let block = state.blocks[number] else { return nil }
            state.order.removeAll { $0 == number }
            state.order.append(number)
            return block
        }) {
            return hit
        }
        let fetched = try fetch()
        state.withLock { state in
            if state.blocks[number] == nil {
                state.order.append(number)
                if state.order.count > Self.capacity { state.blocks[state.order.removeFirst()] = nil }
            }
            state.blocks[number] = fetched
        }
        return fetched
    }
}
