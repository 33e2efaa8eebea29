import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What one GET of a byte range came back with.
struct RangeOutcome: Sendable {
    var status: UInt
    /// Body bytes copied into the caller's buffer.
    var received: Int
    /// The body was longer than the buffer (a server that ignored `Range`).
    var overflowed: Bool
    var headers: HTTPHeaders
}

/// Copies a response body straight into the caller's buffer as it arrives, so a 4 MiB
/// range costs no second 4 MiB copy. Used with a blocking wait: the buffer outlives the request.
final class RangeIntoBuffer: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = RangeOutcome

    private let buffer: UnsafeMutableRawBufferPointer
    private var outcome = RangeOutcome(status: 0, received: 0, overflowed: false, headers: [:])

    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    func didReceiveHead(task: HTTPClient.Task<RangeOutcome>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        outcome.status = head.status.code
        outcome.headers = head.headers
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<RangeOutcome>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        // Only a 206's body is data; an error page is not copied over the caller's bytes.
        guard outcome.status == 206 || outcome.status == 200 else { return task.eventLoop.makeSucceededVoidFuture() }
        let room = buffer.count - outcome.received
        let take = min(room, part.readableBytes)
        if take < part.readableBytes { outcome.overflowed = true }
        if take > 0 {
            part.withUnsafeReadableBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[outcome.received..<(outcome.received + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            }
            outcome.received += take
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<RangeOutcome>) throws -> RangeOutcome { outcome }
}
