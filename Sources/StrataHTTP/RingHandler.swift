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
/// unhealthy instance (`POST` with `forget=<instance id>`, form-encoded).
struct RingHandler: Sendable {
    /// Renders the page: JSON when asked for, else HTML.
    let render: @Sendable (_ json: Bool) throws -> [UInt8]
    /// Removes an instance from the ring.
    let forget: @Sendable (String) async throws -> Void
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        if request.method == .post {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: 64 * 1024)
            } catch {
                return PlainError(.badRequest, "cannot read the form: \(error)").response
            }
            let form = String(buffer: body)
            var id: String?
            for pair in form.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == "forget" {
                    id = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
                }
            }
            guard let id, !id.isEmpty else {
                return PlainError(.badRequest, "POST to the ring page needs a form field forget=<instance id>").response
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
