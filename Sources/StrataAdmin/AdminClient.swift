import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One answer of the server.
struct AdminResponse: Sendable {
    /// The HTTP status code.
    var status: Int
    /// Response headers.
    var headers: HTTPHeaders
    /// The whole body.
    var body: [UInt8]

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON, or an operation error naming the endpoint.
    func json(_ what: String) throws(AdminError) -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw .operation("\(what) did not answer JSON: \(text.prefix(200))")
        }
    }
}

/// The HTTP side of `strata admin`: every request carries the tenant (`X-Scope-OrgID`) and the
/// user (`X-Strata-User`) when given, waits at most `--timeout`, and turns failures into
/// `AdminError`s with the exit codes scripts rely on.
final class AdminClient: Sendable {
    /// How long connecting may take.
    static let connectTimeoutSeconds = 10.0

    /// The largest answer read (a cardinality or block listing of a big tenant fits easily).
    static let maxResponseBytes = 256 * 1024 * 1024

    let http: HTTPClient
    let address: String
    let tenant: String?
    let user: String?
    let timeout: TimeAmount

    init(options: GlobalOptions) {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .enabled(limit: .none)
        // Redirects are answers here (the ring's Forget answers 303), not something to follow.
        configuration.redirectConfiguration = .disallow
        // One command, one connection attempt: a refused connection is an answer (wrong --address,
        // server down), not something to retry until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .nanoseconds(Int64(min(options.timeout, Self.connectTimeoutSeconds) * 1e9))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        address = options.resolvedAddress
        tenant = options.resolvedTenant
        user = options.user
        timeout = .nanoseconds(Int64(options.timeout * 1e9))
    }

    /// Releases the connections; call once when done.
    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends one request and returns the answer, whatever its status.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: HTTPClientRequest.Body? = nil,
              contentType: String? = nil, accept: String? = nil, headers extra: [(String, String)] = [],
              timeout: TimeAmount? = nil) async throws(AdminError) -> AdminResponse {
        var request = HTTPClientRequest(url: address + path + Self.queryString(query))
        request.method = method
        if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
        if let user { request.headers.add(name: "X-Strata-User", value: user) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        do {
            let response = try await http.execute(request, timeout: timeout ?? self.timeout)
            let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
            return AdminResponse(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch {
            throw .unreachable("cannot reach \(address) (\(method.rawValue) \(path)): \(Self.describe(error)); is Strata running there? Check --address")
        }
    }

    /// Sends a request and returns the answer when its status is 2xx; 404 is `.notFound`, any
    /// other status `.server` with the server's message.
    func expectSuccess(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: HTTPClientRequest.Body? = nil,
                       contentType: String? = nil, accept: String? = nil, headers: [(String, String)] = [],
                       timeout: TimeAmount? = nil, notFound: String? = nil) async throws(AdminError) -> AdminResponse {
        let response = try await send(method, path, query: query, body: body, contentType: contentType, accept: accept,
                                      headers: headers, timeout: timeout)
        guard (200..<300).contains(response.status) else {
            throw Self.failure(response, method: method, path: path, notFound: notFound)
        }
        return response
    }

    /// GET returning JSON.
    func getJSON(_ path: String, query: [(String, String)] = [], notFound: String? = nil) async throws(AdminError) -> (AdminResponse, JSONValue) {
        let response = try await expectSuccess(.GET, path, query: query, accept: "application/json", notFound: notFound)
        return (response, try response.json("GET \(path)"))
    }

    /// POST of a form (`application/x-www-form-urlencoded`), as every state-changing endpoint takes.
    func postForm(_ path: String, query: [(String, String)] = [], form: [(String, String)] = [],
                  notFound: String? = nil) async throws(AdminError) -> AdminResponse {
        let body = Self.formEncode(form)
        return try await expectSuccess(.POST, path, query: query, body: .bytes(ByteBuffer(string: body)),
                                       contentType: "application/x-www-form-urlencoded", notFound: notFound)
    }

    /// The error for a non-2xx answer.
    static func failure(_ response: AdminResponse, method: HTTPMethod, path: String, notFound: String?) -> AdminError {
        let message = serverMessage(response)
        switch response.status {
        case 404:
            // The server's own text names what is missing; an empty 404 is a route this process does not serve.
            if response.body.isEmpty { return .notFound(notFound ?? "\(method.rawValue) \(path): not found (this process does not serve it)") }
            return .notFound(message)
        case 401:
            return .server(status: 401, message: "\(message); the server needs a tenant: pass --tenant <id> (or set STRATA_TENANT)")
        default:
            return .server(status: response.status, message: message)
        }
    }

    /// The server's message: the `error` member of a JSON error answer, else the plain text.
    static func serverMessage(_ response: AdminResponse) -> String {
        if let json = try? JSONValue.parse(response.body), let error = json["error"].string {
            return error
        }
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty answer)" : String(text.prefix(2000))
    }

    /// `?a=1&b=2`, percent-encoded as a form; empty for no parameters.
    static func queryString(_ query: [(String, String)]) -> String {
        query.isEmpty ? "" : "?" + formEncode(query)
    }

    /// `a=1&b=2` with every reserved character percent-encoded.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    /// A transport error in words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded { return "no answer within the timeout (--timeout)" }
            if error == .connectTimeout { return "connecting timed out" }
        }
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused (nothing listens there)" }
        return text
    }
}
