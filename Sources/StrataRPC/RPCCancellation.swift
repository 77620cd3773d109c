import GRPCCore

/// Runs a handler's work so that it is cancelled when the RPC is: the client's deadline
/// passed, the client went away, or the server stops. Without this a read the client gave up
/// on would run to its end, and a graceful stop would wait for it.
func cancelledWithRPC<R: Sendable>(_ work: @Sendable @escaping () async throws -> R) async throws -> R {
    let task = Task { try await work() }
    return try await withTaskCancellationHandler {
        try await withRPCCancellationHandler {
            try await task.value
        } onCancelRPC: {
            task.cancel()
        }
    } onCancel: {
        task.cancel()
    }
}
