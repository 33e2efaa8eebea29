import Ceph

#if canImport(Glibc)
    import Glibc
#endif

extension ImportError {
    /// Turns the cluster's "no space" answer to an import into what the admin should do;
    /// any other error is returned as it is.
    ///
    /// Ferry's I/O contexts ask the OSDs to refuse writes to a full pool rather than hold them
    /// (see `IOContext`), so a full pool ends an import here instead of hanging it. The import
    /// keeps its last checkpoint; the job runner treats this as transient (the cause stays
    /// attached) and retries after its backoff.
    static func explainingFullPool(_ error: any Error, image spec: String) -> any Error {
        guard let ceph = error as? CephError, ceph.code == .noSpace else { return error }
        let reason =
            ceph.errno == EDQUOT
            ? "the pool's quota is reached (EDQUOT); raise it (ceph osd pool set-quota POOL max_bytes …) or free space"
            : "the cluster is full (ENOSPC: an OSD is past its full ratio); add capacity or free space"
        return ImportError(
            .poolFull,
            "\(spec): the cluster refused the write: \(reason), then run again with --resume; the image stays marked unfinished and keeps its checkpoint",
            cause: error)
    }
}
