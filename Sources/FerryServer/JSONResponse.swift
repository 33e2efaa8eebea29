import Ferry
import Hummingbird

/// JSON answers in the queue's own form (`JobCoding`: ISO 8601 dates with milliseconds,
/// sorted keys), so the API shows a job exactly as `rados get` and `ferry jobs --json` do.
enum JSONResponse {
    static func make(status: HTTPResponse.Status = .ok, _ value: some Encodable) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JobCoding.encode(value))))
    }
}
