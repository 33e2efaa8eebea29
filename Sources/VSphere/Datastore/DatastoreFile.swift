import AsyncHTTPClient
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOCore
import NIOHTTP1
import Synchronization
import VMDK
import VMwareConfig

/// One datastore file open for positional reads over HTTPS Range requests. Many reader
/// threads read at once, each request on one of the endpoint's pooled connections.
///
/// Reads block their thread until the bytes are in (the VMDK readers' contract is
/// synchronous); the import calls them from its own reader threads, never from Swift's
/// cooperative pool, and the HTTP work itself runs on NIO's event loops.
final class DatastoreFile: ReadableFile {
    let displayPath: String
    let length: UInt64
    private let url: String
    private let connection: VSphereConnection
    private let policy: RangeRetryPolicy
    private let closed = Atomic(false)
    private let cache = BlockCache()

    init(url: String, displayPath: String, connection: VSphereConnection, policy: RangeRetryPolicy) throws(VMDKError) {
        self.url = url
        self.displayPath = displayPath
        self.connection = connection
        self.policy = policy
        self.length = try Self.length(of: url, display: displayPath, connection: connection, policy: policy)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        guard !closed.load(ordering: .acquiring) else { throw VMDKError(.closed, file: displayPath, "read after close") }
        guard buffer.count > 0 else { return }
        guard buffer.count < BlockCache.blockSize / 2 else { return try readDirectly(into: buffer, at: offset) }
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let number = position / UInt64(BlockCache.blockSize)
            let blockStart = number * UInt64(BlockCache.blockSize)
            let block = try cache.block(number) { () throws(VMDKError) -> [UInt8] in
                var bytes = [UInt8](repeating: 0, count: Int(min(UInt64(BlockCache.blockSize), length - blockStart)))
                var failure: VMDKError?
                bytes.withUnsafeMutableBytes { target in
                    do throws(VMDKError) { try readDirectly(into: target, at: blockStart) } catch { failure = error }
                }
                if let failure { throw failure }
                return bytes
            }
            let inBlock = Int(position - blockStart)
            let take = min(buffer.count - done, block.count - inBlock)
            guard take > 0 else {
                throw VMDKError(.truncated, file: displayPath, offset: position, "read past the end of the file")
            }
            block.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[inBlock..<(inBlock + take)]))
            }
            done += take
        }
    }

    /// One range request for exactly `buffer`'s bytes.
    private func readDirectly(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        let outcome = try Self.get(
            url, range: offset..<(offset + UInt64(buffer.count)), into: buffer, display: displayPath,
            connection: connection, policy: policy)
        guard outcome.received == buffer.count else {
            throw VMDKError(
                .truncated, file: displayPath, offset: offset,
                "the host sent \(outcome.received) of \(buffer.count) bytes asked for; the file is shorter than when it was opened")
        }
    }

    func close() { closed.store(true, ordering: .releasing) }

    /// The file's size, from `Content-Range` of a one-byte range (ESXi and vcsim answer
    /// Range on `/folder`; a HEAD's length is not always given).
    static func length(of url: String, display: String, connection: VSphereConnection, policy: RangeRetryPolicy)
        throws(VMDKError) -> UInt64
    {
        var byte: UInt8 = 0
        let outcome = try withUnsafeMutableBytes(of: &byte) { (buffer) throws(VMDKError) -> RangeOutcome in
            try get(url, range: 0..<1, into: buffer, display: display, connection: connection, policy: policy, emptyOK: true)
        }
        if outcome.status == 416 { return 0 }  // an empty file: no byte 0 to send
        guard let range = outcome.headers.first(name: "Content-Range"), let slash = range.lastIndex(of: "/"),
            let total = UInt64(String(range[range.index(after: slash)...]).trimmingSpaces())
        else {
            if outcome.status == 200, let length = outcome.headers.first(name: "Content-Length").flatMap(UInt64.init) {
                return length
            }
            throw VMDKError(.io, file: display, "the host answered a range request without saying the file's size")
        }
        return total
    }

    /// GETs `range` into `buffer`, retrying what the policy calls passing.
    private static func get(
        _ url: String, range: Range<UInt64>, into buffer: UnsafeMutableRawBufferPointer, display: String,
        connection: VSphereConnection, policy: RangeRetryPolicy, emptyOK: Bool = false
    ) throws(VMDKError) -> RangeOutcome {
        var lastProblem = ""
        var retryAfter: String?
        for attempt in 1...policy.attempts {
            if attempt > 1 { sleep(for: policy.delay(before: attempt - 1, retryAfter: retryAfter)) }
            retryAfter = nil
            var headers = HTTPHeaders()
            headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)")
            if let cookie = connection.cookie.withLock({ $0 }) { headers.add(name: "Cookie", value: cookie) }
            let outcome: RangeOutcome
            do {
                let request = try HTTPClient.Request(url: url, method: .GET, headers: headers)
                outcome = try connection.client.execute(
                    request: request, delegate: RangeIntoBuffer(buffer), deadline: .now() + .seconds(300)
                ).wait()
            } catch {
                lastProblem = VSphereConnection.describe(error)
                continue
            }
            switch outcome.status {
            case 206 where outcome.received == range.count && !outcome.overflowed:
                return outcome
            case 206:
                lastProblem = "the answer was cut short (\(outcome.received) of \(range.count) bytes)"
            case 200 where range.lowerBound == 0 && !outcome.overflowed:
                return outcome  // the whole file fit: a server that ignores Range on a tiny file
            case 200:
                throw VMDKError(.io, file: display, "the host ignored the byte range asked for (HTTP 200); Ferry reads datastores with Range requests")
            case 416 where emptyOK:
                return outcome
            case 404:
                throw VMDKError(.notFound, file: display, "does not exist on the datastore (HTTP 404)")
            case 401, 403:
                throw VMDKError(.io, file: display, "the host refused access (HTTP \(outcome.status)); the session may have expired or the user lacks Datastore.Browse")
            case let status where RangeRetryPolicy.isPassing(status):
                lastProblem = "HTTP \(status)"
                retryAfter = outcome.headers.first(name: "Retry-After")
            default:
                throw VMDKError(.io, file: display, "the host answered HTTP \(outcome.status) to a range request")
            }
        }
        throw VMDKError(
            .io, file: display,
            "bytes \(range.lowerBound)-\(range.upperBound - 1) could not be read after \(policy.attempts) tries (last: \(lastProblem))")
    }

    private static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if micros > 0 { usleep(UInt32(clamping: micros)) }
    }
}
