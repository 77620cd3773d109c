import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Cancels the evaluation of a read request (queries, series, labels, remote read) when its
/// client goes away, so an abandoned dashboard query stops holding a core.
///
/// Hummingbird 2 does not do this itself: it runs a request's handler inside the connection's
/// task and cancels it only on server shutdown. It also allows remote half-closure, so a client
/// that closes its socket does not close the channel either: the server only sees an
/// `inputClosed` event (or, on a reset, `channelInactive`). `ClientDisconnectHandler` turns both
/// into a signal on the connection's `ConnectionWatch`, and `DisconnectCancellingResponder`
/// runs each read request in a child task that it cancels on that signal, so the PromQL
/// engine's and the storage's `Task.isCancelled` checks stop the work. As Go's `net/http` does
/// for Prometheus and Mimir, a client that half-closes its side after sending the request counts
/// as gone. Writes (`/api/v1/push`) and admin endpoints are never cancelled: they finish.
enum ClientDisconnect {
    /// Status of a request whose client went away before the answer (nginx's and Mimir's 499).
    static let clientClosedRequest = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    /// The prefixes of the read endpoints whose evaluation is cancelled on a disconnect.
    static let readPrefixes = ["/prometheus/api/v1/", "/api/v1/"]

    /// Whether a request to `path` is cancelled when its client goes away: the query API
    /// (`query`, `query_range`, `series`, `labels`, label values, …) and remote read, not push.
    static func cancelsOnDisconnect(path: String) -> Bool {
        for prefix in readPrefixes where path.hasPrefix(prefix) {
            return path.dropFirst(prefix.count) != "push"
        }
        return false
    }

    /// The watch of the connection `channel` belongs to, or nil when its pipeline has no
    /// `ClientDisconnectHandler` (e.g. Hummingbird's router test framework).
    static func watch(of channel: any Channel) async -> ConnectionWatch? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDisconnectHandler.self).watch
        }.get()
    }

    /// Runs `operation` in a child task and cancels it when `watch` reports the client gone;
    /// then waits for it to stop and answers 499 (nobody reads the answer any more).
    static func run(cancellingOn watch: ConnectionWatch,
                    _ operation: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await watch.waitUntilClientGoes()
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            if let response = first { return response }
            // Wait for the cancelled evaluation, so its work ends here and not in the background.
            while true {
                do {
                    guard try await group.next() != nil else { break }
                } catch {
                    continue
                }
            }
            return Response(status: clientClosedRequest)
        }
    }
}

/// What a connection tells the requests served on it: whether its client went away, and whom
/// to wake when it does.
final class ConnectionWatch: Sendable {
    private struct State {
        var gone = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Whether the client closed its side of the connection or the connection dropped.
    var clientGone: Bool { state.withLock { $0.gone } }

    /// Records that the client went away and wakes every waiter (once).
    func clientWentAway() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard !s.gone else { return [] }
            s.gone = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the client went away, or as soon as the calling task is cancelled.
    func waitUntilClientGoes() async {
        let id = state.withLock { s -> Int in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.gone || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// The channel handler, one per HTTP/1 connection, that reports the client going away to its
/// `ConnectionWatch`: a half-close (`inputClosed`, as Hummingbird allows remote half-closure)
/// or the channel closing. It passes every event on unchanged.
final class ClientDisconnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    /// The connection's watch, looked up by `ClientDisconnect.watch(of:)`.
    let watch = ConnectionWatch()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { watch.clientWentAway() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.clientWentAway()
        context.fireChannelInactive()
    }
}

/// The request context the application creates: Hummingbird's basic context plus the request's
/// channel, so the responder can find the connection's `ConnectionWatch`.
public struct ConnectionRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    /// Creates the context of a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Serves `inner` (the router) and, for read requests, cancels it when the client goes away.
struct DisconnectCancellingResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    let inner: Inner

    func respond(to request: Request, context: ConnectionRequestContext) async throws -> Response {
        let basic = BasicRequestContext(source: ApplicationRequestContextSource(channel: context.channel, logger: context.logger))
        guard ClientDisconnect.cancelsOnDisconnect(path: request.uri.path),
              let watch = await ClientDisconnect.watch(of: context.channel) else {
            return try await inner.respond(to: request, context: basic)
        }
        let inner = self.inner
        return try await ClientDisconnect.run(cancellingOn: watch) { try await inner.respond(to: request, context: basic) }
    }
}

extension StrataAPI {
    /// The HTTP/1 application serving `router()`, with the evaluation of read requests
    /// cancelled when their client disconnects (`ClientDisconnect`). The server runs this.
    public func application(configuration: ApplicationConfiguration, logger: Logger) -> some ApplicationProtocol {
        Application(
            responder: DisconnectCancellingResponder(inner: router().buildResponder()),
            server: .http1(configuration: .init(additionalChannelHandlers: [ClientDisconnectHandler()])),
            configuration: configuration,
            logger: logger
        )
    }
}
