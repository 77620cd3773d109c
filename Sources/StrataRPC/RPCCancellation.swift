import GRPCCore
import Synchronization

/// Runs a read handler's work so that it stops when the RPC is cancelled: the caller's deadline
/// passed, the caller went away, or the server began a graceful stop. A read is cheap to retry
/// on another replica, so it is not worth keeping a stopping server or an absent caller busy
/// with it. (Pushes are not run this way: a push in flight always finishes, so the distributor
/// learns what the ingester stored.)
///
/// Work that ends because of the cancellation is reported as `unavailable`, which a querier
/// treats like a peer that went away.
func cancelledWithRPC<R: Sendable>(_ call: String, _ work: @Sendable @escaping () async throws -> R) async throws -> R {
    let rpcCancelled = Atomic<Bool>(false)
    let task = Task { try await work() }
    do {
        return try await withTaskCancellationHandler {
            try await withRPCCancellationHandler {
                try await task.value
            } onCancelRPC: {
                rpcCancelled.store(true, ordering: .relaxed)
                task.cancel()
            }
        } onCancel: {
            task.cancel()
        }
    } catch {
        if rpcCancelled.load(ordering: .relaxed) || Task.isCancelled {
            throw RPCError(code: .unavailable,
                           message: "\(call) was cancelled: the server is stopping, or the caller gave up or timed out")
        }
        throw error
    }
}
