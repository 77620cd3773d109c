import NIOCore

/// A command on its way to the connection handler, with where its outcome goes and when it
/// stops mattering.
struct MemcachedRequest: Sendable {
    let command: MemcachedCommand
    let promise: EventLoopPromise<MemcachedResult>
    let deadline: NIODeadline
}

/// Pipelines `MemcachedRequest`s on one connection and matches the replies to them in order.
///
/// memcached answers a connection's requests strictly in order, which is what makes pipelining
/// safe: the head of `pending` owns the next reply. Anything that breaks that pairing (a reply
/// with no request, a reply of the wrong shape, a request that timed out after it was sent, a
/// decoder error) closes the connection and fails every request on it, because any later reply
/// could be paired with the wrong request. `SERVER_ERROR` to a `set` or `delete` is the one error
/// that keeps the connection: memcached sends exactly that line and stays in step.
final class MemcachedConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = MemcachedReply
    typealias OutboundIn = MemcachedRequest
    typealias OutboundOut = ByteBuffer

    private enum Expected {
        case values(Set<String>)
        case stored
        case deleted
        case version
    }

    private struct Pending {
        let id: UInt64
        let expected: Expected
        let promise: EventLoopPromise<MemcachedResult>
        let timeout: Scheduled<Void>
        var values: [String: [UInt8]] = [:]
    }

    private var pending = CircularBuffer<Pending>()
    private var nextID: UInt64 = 0
    /// Set once the connection is being closed; later requests fail with it at once.
    private var closedBecause: MemcachedError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedBecause {
            request.promise.fail(closedBecause)
            promise?.fail(closedBecause)
            return
        }
        // A request that waited out its deadline for the connection is failed unsent, which
        // leaves the connection usable; only a sent request's timeout poisons it.
        guard request.deadline > .now() else {
            request.promise.fail(MemcachedError.timeout)
            promise?.succeed()
            return
        }
        let expected: Expected
        switch request.command {
        case .get(let keys): expected = .values(Set(keys))
        case .set: expected = .stored
        case .delete: expected = .deleted
        case .version: expected = .version
        }
        let id = nextID
        nextID &+= 1
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: request.deadline) {
            self.timedOut(id, context: context)
        }
        pending.append(Pending(id: id, expected: expected, promise: request.promise, timeout: timeout))
        var buffer = context.channel.allocator.buffer(capacity: request.command.encodedSizeHint)
        request.command.encode(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let head = pending.first else {
            return broken(context, .malformedReply("reply \(describe(reply)) with no request outstanding"))
        }
        switch (head.expected, reply) {
        case (.values(let keys), .value(let key, let value)):
            guard keys.contains(key) else {
                return broken(context, .malformedReply("VALUE for key \(key.prefix(80)) that was not asked for"))
            }
            pending[pending.startIndex].values[key] = value
        case (.values, .end):
            complete(.success(.values(head.values)))
        case (.stored, .line("STORED")):
            complete(.success(.stored))
        case (.stored, .line("NOT_STORED")):
            complete(.failure(.notStored))
        case (.deleted, .line("DELETED")):
            complete(.success(.deleted(true)))
        case (.deleted, .line("NOT_FOUND")):
            complete(.success(.deleted(false)))
        case (.stored, .line(let line)) where line.hasPrefix("SERVER_ERROR"),
             (.deleted, .line(let line)) where line.hasPrefix("SERVER_ERROR"):
            complete(.failure(.serverError(String(line.prefix(200)))))
        case (.version, .line(let line)) where line.hasPrefix("VERSION "):
            complete(.success(.version(String(line.dropFirst("VERSION ".count)))))
        default:
            broken(context, .malformedReply("unexpected reply \(describe(reply))"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        broken(context, error as? MemcachedError ?? .connectionFailed(String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(closedBecause ?? .connectionFailed("connection closed by the server"))
        closedBecause = closedBecause ?? .connectionFailed("connection closed")
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(closedBecause ?? .connectionFailed("connection closed"))
    }

    private func complete(_ result: Result<MemcachedResult, MemcachedError>) {
        guard let head = pending.popFirst() else { return }
        head.timeout.cancel()
        switch result {
        case .success(let value): head.promise.succeed(value)
        case .failure(let error): head.promise.fail(error)
        }
    }

    private func timedOut(_ id: UInt64, context: ChannelHandlerContext) {
        guard let at = pending.firstIndex(where: { $0.id == id }) else { return }
        let request = pending.remove(at: at)
        broken(context, .connectionFailed("closed after a request timed out"))
        request.promise.fail(MemcachedError.timeout)
    }

    /// Closes the connection and fails every outstanding request with `error`.
    ///
    /// The close comes first: a caller woken by the failure must find the connection already
    /// inactive, or its next request could be sent on it.
    private func broken(_ context: ChannelHandlerContext, _ error: MemcachedError) {
        if closedBecause == nil { closedBecause = error }
        context.close(promise: nil)
        failAll(error)
    }

    private func failAll(_ error: MemcachedError) {
        while let request = pending.popFirst() {
            request.timeout.cancel()
            request.promise.fail(error)
        }
    }

    private func describe(_ reply: MemcachedReply) -> String {
        switch reply {
        case .value(let key, let data): return "VALUE \(key.prefix(80)) (\(data.count) bytes)"
        case .end: return "END"
        case .line(let line): return "\"\(line.prefix(80))\""
        }
    }
}

@available(*, unavailable)
extension MemcachedConnectionHandler: Sendable {}
