import FerryBasics

/// An error from the job queue, one line naming the job.
public struct JobStoreError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case unknownJob, invalidState, busy, corrupt, leaseLost
        }
        fileprivate let kind: Kind

        /// No job of that id.
        public static let unknownJob = Code(kind: .unknownJob)
        /// The job's state does not allow the request (cancel a finished job, retry a running one).
        public static let invalidState = Code(kind: .invalidState)
        /// Another worker or admin holds the job right now; try again.
        public static let busy = Code(kind: .busy)
        /// A record in RADOS does not decode.
        public static let corrupt = Code(kind: .corrupt)
        /// This worker's lease was taken over; it must stop touching the job.
        public static let leaseLost = Code(kind: .leaseLost)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
