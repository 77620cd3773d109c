import Dispatch
import StrataModel
import Synchronization

/// One request waiting in (or taken from) the frontend's queue, and the slot its answer is
/// delivered to.
///
/// Completed exactly once: by the querier that ran it, by its deadline, or by its client going
/// away; whichever comes first wins and the others are ignored. A querier that takes an item
/// already completed skips it.
public final class QueuedQuery: Sendable {
    /// The outcome of a queued request.
    public typealias Outcome = Result<QueryResponse, QueryFailure>

    /// The request to run.
    public let request: QueryRequest
    /// The tenant queue it waits in (`a|b` for a federated query).
    public let tenantKey: String
    /// When it was enqueued (monotonic).
    public let enqueued: ContinuousClock.Instant

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
        var dequeued: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    /// Creates an item for `request`.
    public init(request: QueryRequest, tenantKey: String) {
        self.request = request
        self.tenantKey = tenantKey
        self.enqueued = .now
    }

    /// Whether an outcome was already set (a querier should not start it).
    public var isCompleted: Bool { state.withLock { $0.outcome != nil } }

    /// Records that a querier took the item; returns false when it was already completed.
    func markDequeued() -> Bool {
        state.withLock { s in
            guard s.outcome == nil else { return false }
            s.dequeued = .now
            return true
        }
    }

    /// Whether a querier took the item.
    public var wasDequeued: Bool { state.withLock { $0.dequeued != nil } }

    /// Seconds between enqueueing and a querier taking the item (0 if never taken).
    public var queueSeconds: Double {
        guard let d = state.withLock({ $0.dequeued }) else { return 0 }
        let span = d - enqueued
        return Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18
    }

    /// Sets the outcome if none is set yet and wakes the waiting client.
    public func complete(_ outcome: Outcome) {
        let waiter: CheckedContinuation<Outcome, Never>? = state.withLock { s in
            guard s.outcome == nil else { return nil }
            s.outcome = outcome
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Where deadline timers fire: a private serial queue, which Dispatch serves from its
    /// overcommit pool, so a timer gets a thread even while every thread of the global queues
    /// (the cooperative pool's included) is busy.
    private static let timerQueue = DispatchQueue(label: "strata.query-frontend.deadlines")

    /// Waits for the outcome, at most `timeout`; the task's cancellation completes the item as
    /// canceled.
    func wait(timeout: Duration) async -> Outcome {
        // A Dispatch timer, not a task: it fires on time even when the cooperative pool is busy
        // with the very queries that are late, so the client gets its answer at the deadline.
        let timer = DispatchWorkItem { [weak self] in
            self?.complete(.failure(.timeout("query timed out in the query-frontend's queue or while a querier ran it (\(ErrorID.queryTimeout.id))")))
        }
        let nanos = max(0, timeout.inMilliseconds) &* 1_000_000
        QueuedQuery.timerQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanos)), execute: timer)
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
                let ready: Outcome? = state.withLock { s in
                    if let o = s.outcome { return o }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            complete(.failure(.canceled("the client went away while the query waited or ran")))
        }
    }
}
