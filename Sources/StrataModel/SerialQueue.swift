import Dispatch

/// Runs blocking work (file writes, fsyncs) on a global dispatch queue so it does not occupy a
/// thread of Swift's cooperative pool, which serves requests.
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}

/// Runs operations one after another, in the order they were submitted, even when they await:
/// an ingester's cutting and shipping must not interleave between its periodic loop and a flush
/// request, nor a compactor's runs.
public actor SerialQueue {
    private var tail: Task<Void, Never>?

    /// Creates an empty queue.
    public init() {}

    /// Runs `operation` after every operation submitted before it has finished.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        let previous = tail
        let task = Task { () async -> T in
            await previous?.value
            return await operation()
        }
        tail = Task { _ = await task.value }
        return await task.value
    }
}
