import Ferry

#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout and stderr through the file descriptors, so progress lines
/// and errors appear at once and never interleave half-lines with buffered `print` output.
enum Output {
    static func standardError(_ text: String) { write(descriptor: 2, text) }
    static func standardOutput(_ text: String) { write(descriptor: 1, text) }

    /// One JSON document on stdout, in the form job records are stored (`--json` of the job verbs).
    static func json(_ value: some Encodable) {
        standardOutput(String(decoding: JobCoding.encode(value), as: UTF8.self) + "\n")
    }

    private static func write(descriptor: Int32, _ text: String) {
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            remaining = remaining.dropFirst(written)
        }
    }
}
