import DequeModule
import Synchronization

/// Bounds the queue requests one client query has in flight (`max_query_parallelism`) across
/// every stage: its split parts and shards all draw from the same permits, found through a task
/// local that the frontend sets per query, so one query never fills its tenant's queue alone.
public final class QueryParallelism: Sendable {
    /// The permits of the query the current task works for, if the frontend set them.
    @TaskLocal public static var current: QueryParallelism?

    private struct State {
        var available: Int
        var waiters = Deque<CheckedContinuation<Void, Never>>()
    }
    private let state: Mutex<State>

    /// Creates `permits` permits (at least one).
    public init(permits: Int) {
        state = Mutex(State(available: max(1, permits)))
    }

    /// Runs `body` holding one permit.
    func withPermit<T>(_ body: () async throws(QueryFailure) -> T) async throws(QueryFailure) -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                if s.available > 0 {
                    s.available -= 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if granted { c.resume() }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let w = s.waiters.popFirst() { return w }
            s.available += 1
            return nil
        }
        next?.resume()
    }
}

/// The instant by which the client query the current task works for must be answered, set by
/// the frontend from the request's `timeout` (or `-querier.timeout`): every queued part waits at
/// most until then and is sent to its querier with only the time left, so splitting and queueing
/// never stretch a query past its timeout.
public enum QueryDeadline {
    /// The deadline of the current client query, if the frontend set one.
    @TaskLocal public static var current: ContinuousClock.Instant?
}
