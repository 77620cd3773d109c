import HTTPTypes
import Hummingbird
import NIOCore

/// A plain-text error response: Mimir answers push and admin errors as text, and Prometheus's
/// remote-write client logs that text verbatim, so the message is what an operator reads.
struct PlainError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    var response: Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n"))
        )
    }
}

extension Request {
    /// The value of a header by case-insensitive name, without building an `HTTPField.Name`.
    func header(_ lowercasedName: String) -> String? {
        for field in headers where field.name.canonicalName == lowercasedName {
            return field.value
        }
        return nil
    }
}

/// A text response with status 200.
func textResponse(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
    Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}
