/// An error from the job queue, one line naming the job.
public struct JobStoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No job of that id.
        case unknownJob
        /// The job's state does not allow the request (cancel a finished job, retry a running one).
        case invalidState
        /// Another worker or admin holds the job right now; try again.
        case busy
        /// A record in RADOS does not decode.
        case corrupt
        /// This worker's lease was taken over; it must stop touching the job.
        case leaseLost
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
