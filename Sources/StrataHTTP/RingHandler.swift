import Foundation
import Hummingbird
import Logging
import NIOCore

/// One ring's status page: where it is served, how it renders and how it forgets an instance.
public struct RingPage: Sendable {
    /// The paths it is served under, e.g. `/ingester/ring` and Mimir's legacy `/ring`.
    public var paths: [String]
    /// Renders the page: JSON when asked for, else HTML.
    public var render: @Sendable (_ json: Bool) throws -> [UInt8]
    /// Removes an instance from the ring.
    public var forget: @Sendable (String) async throws -> Void

    /// Creates a page description.
    public init(paths: [String], render: @escaping @Sendable (_ json: Bool) throws -> [UInt8],
                forget: @escaping @Sendable (String) async throws -> Void) {
        self.paths = paths
        self.render = render
        self.forget = forget
    }
}

/// `GET|POST /ingester/ring` (and Mimir's legacy `/ring`): the ring's status page, HTML for
/// people and JSON for tools (`Accept: application/json`), and the "Forget" form that removes an
/// unhealthy instance (`POST` with `forget=<instance id>`, form-encoded, multipart or JSON). The
/// POST changes state, so it follows `StateChangingRequest`.
struct RingHandler: Sendable {
    /// Renders the page: JSON when asked for, else HTML.
    let render: @Sendable (_ json: Bool) throws -> [UInt8]
    /// Removes an instance from the ring.
    let forget: @Sendable (String) async throws -> Void
    let logger: Logger

    /// The form field naming the instance to forget: Mimir's, and `RingStatusPage.forgetField`.
    static let forgetField = "forget"

    func handle(_ request: Request) async -> Response {
        if request.method == .post {
            if let refusal = StateChangingRequest.refusal(request) { return refusal }
            let id: String?
            do throws(PlainError) {
                id = try await StateChangingRequest.formValues(Self.forgetField, in: request).last
            } catch {
                return error.response
            }
            guard let id, !id.isEmpty else {
                return PlainError(.badRequest, "POST to the ring page needs a form field \(Self.forgetField)=<instance id>").response
            }
            do {
                try await forget(id)
                logger.info("instance forgotten from the ring", metadata: ["instance": "\(id)"])
            } catch {
                return PlainError(.internalServerError, "forgetting \(id) failed: \(error)").response
            }
            // Back to the page, as a browser expects after a form.
            return Response(status: .seeOther, headers: [.location: request.uri.path])
        }
        let wantsJSON = request.headers[.accept]?.contains("application/json") ?? false
        do {
            let bytes = try render(wantsJSON)
            return Response(status: .ok,
                            headers: [.contentType: wantsJSON ? "application/json" : "text/html; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            return PlainError(.internalServerError, "rendering the ring failed: \(error)").response
        }
    }
}
