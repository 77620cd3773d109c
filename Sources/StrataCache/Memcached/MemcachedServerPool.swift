import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A fixed number of connections to one memcached server, opened on first use and reopened
/// after they break.
///
/// Requests take the connections in turn and are pipelined on them, so the pool never waits for
/// a free connection and never opens more than `size`. A connection that fails is forgotten and
/// the next request through its slot dials again; there is no backoff, because a refused dial
/// costs microseconds and a hanging one is bounded by the request's deadline.
final class MemcachedServerPool: Sendable {
    let address: MemcachedAddress
    private let group: any EventLoopGroup
    private let maxValueSize: Int
    private let logger: Logger
    private let state: Mutex<State>

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
    }

    private struct State {
        var slots: [Slot]
        /// Bumped on every change of a slot, so a late callback cannot clobber a newer state.
        var generations: [UInt64]
        var next = 0
        var shutDown = false
    }

    init(address: MemcachedAddress, size: Int, maxValueSize: Int, group: any EventLoopGroup, logger: Logger) {
        self.address = address
        self.group = group
        self.maxValueSize = maxValueSize
        self.logger = logger
        let size = max(1, size)
        self.state = Mutex(State(slots: Array(repeating: .empty, count: size), generations: Array(repeating: 0, count: size)))
    }

    /// Runs `command` on one of the pool's connections and waits for its outcome, at most until
    /// `deadline` (connecting included).
    func execute(_ command: MemcachedCommand, deadline: NIODeadline) async throws(MemcachedError) -> MemcachedResult {
        do {
            let channel = try await connection(deadline: deadline).get()
            let promise = channel.eventLoop.makePromise(of: MemcachedResult.self)
            channel.writeAndFlush(MemcachedRequest(command: command, promise: promise, deadline: deadline)).whenFailure { error in
                promise.fail(error)
            }
            return try await promise.futureResult.get()
        } catch let error as MemcachedError {
            throw error
        } catch let error as ChannelError where isConnectTimeout(error) {
            throw .timeout
        } catch {
            throw .connectionFailed(String(describing: error))
        }
    }

    /// Closes every connection; requests after this fail with `shutDown`.
    func shutdown() async {
        let slots: [Slot] = state.withLock { state in
            state.shutDown = true
            let slots = state.slots
            state.slots = Array(repeating: .empty, count: slots.count)
            return slots
        }
        for slot in slots {
            switch slot {
            case .empty:
                break
            case .connected(let channel):
                try? await channel.close()
            case .connecting(let future):
                if let channel = try? await future.get() { try? await channel.close() }
            }
        }
    }

    /// The next slot's connection, dialling it when it has none.
    private func connection(deadline: NIODeadline) -> EventLoopFuture<any Channel> {
        enum Pick {
            case ready(EventLoopFuture<any Channel>)
            case dialled(EventLoopFuture<any Channel>, slot: Int, generation: UInt64)
            case failed(MemcachedError)
        }
        // The dial starts under the lock, so two requests never dial one slot twice; its
        // callbacks are attached after, because a callback on a completed future may run inline
        // and it takes the lock again.
        let pick: Pick = state.withLock { state in
            guard !state.shutDown else { return .failed(.shutDown) }
            let i = state.next
            state.next = (state.next + 1) % state.slots.count
            switch state.slots[i] {
            case .connected(let channel) where channel.isActive:
                return .ready(channel.eventLoop.makeSucceededFuture(channel))
            case .connecting(let future):
                return .ready(future)
            case .connected, .empty:
                let remaining = deadline - .now()
                guard remaining > .zero else { return .failed(.timeout) }
                let future = dial(timeout: remaining)
                state.slots[i] = .connecting(future)
                state.generations[i] &+= 1
                return .dialled(future, slot: i, generation: state.generations[i])
            }
        }
        switch pick {
        case .ready(let future):
            return future
        case .failed(let error):
            return group.next().makeFailedFuture(error)
        case .dialled(let future, let i, let generation):
            future.whenComplete { result in
                switch result {
                case .success(let channel): self.connected(channel, slot: i, generation: generation)
                case .failure(let error): self.dialFailed(error, slot: i, generation: generation)
                }
            }
            return future
        }
    }

    private func dial(timeout: TimeAmount) -> EventLoopFuture<any Channel> {
        let maxValueSize = self.maxValueSize
        return ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(MemcachedReplyDecoder(maxValueSize: maxValueSize)),
                        MemcachedConnectionHandler()
                    )
                }
            }
            .connect(host: address.host, port: address.port)
    }

    private func connected(_ channel: any Channel, slot i: Int, generation: UInt64) {
        let keep: Bool = state.withLock { state in
            guard !state.shutDown, state.generations[i] == generation else { return false }
            state.slots[i] = .connected(channel)
            return true
        }
        guard keep else {
            channel.close(promise: nil)
            return
        }
        logger.debug("memcached connection opened", metadata: ["address": "\(address)"])
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                if state.generations[i] == generation, case .connected = state.slots[i] {
                    state.slots[i] = .empty
                    state.generations[i] &+= 1
                }
            }
            self.logger.debug("memcached connection closed", metadata: ["address": "\(self.address)"])
        }
    }

    private func dialFailed(_ error: any Error, slot i: Int, generation: UInt64) {
        state.withLock { state in
            if state.generations[i] == generation {
                state.slots[i] = .empty
                state.generations[i] &+= 1
            }
        }
        logger.debug("memcached connect failed", metadata: ["address": "\(address)", "error": "\(error)"])
    }
}

/// Whether `error` is NIO's connect timeout (which carries the timeout it gave up after).
private func isConnectTimeout(_ error: ChannelError) -> Bool {
    if case .connectTimeout = error { return true }
    return false
}
