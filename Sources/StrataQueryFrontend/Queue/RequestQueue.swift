import DequeModule
import StrataModel
import Synchronization

/// The frontend's per-tenant fair queue, with Mimir's query-scheduler semantics: each tenant
/// has its own FIFO, queriers pull, and tenants are served round-robin so one tenant's backlog
/// never delays another tenant's next request by more than one turn.
///
/// A tenant limited by `max_queriers_per_tenant` is served only by that many of the connected
/// queriers, chosen by a hash of tenant and querier ID (shuffle sharding), so a flood from it
/// occupies those queriers and leaves the others to everyone else.
public final class RequestQueue: Sendable {
    private struct TenantQueue {
        var items = Deque<QueuedQuery>()
        var maxQueriers = 0
        /// The queriers serving this tenant for `generation`; nil means every querier.
        var queriers: Set<String>? = nil
        var generation = -1
    }

    private struct Waiter {
        let id: Int
        let querierID: String
        let continuation: CheckedContinuation<QueuedQuery?, Never>
    }

    private struct State {
        var tenants: [String: TenantQueue] = [:]
        /// Tenants with queued items, in round-robin order.
        var order: [String] = []
        var next = 0
        var queriers: [String: Int] = [:]
        var generation = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var stopped = false
        var length = 0
    }

    private let state = Mutex(State())

    /// Creates an empty queue.
    public init() {}

    /// Requests waiting, over every tenant.
    public var length: Int { state.withLock { $0.length } }

    /// Requests waiting for one tenant.
    public func length(tenant: String) -> Int { state.withLock { $0.tenants[tenant]?.items.count ?? 0 } }

    /// Requests waiting per tenant key, for the tenants with any (`strata_query_frontend_queue_length`).
    public var tenantLengths: [String: Int] { state.withLock { $0.tenants.mapValues { $0.items.count } } }

    /// Queriers (distinct IDs) connected.
    public var connectedQueriers: Int { state.withLock { $0.queriers.count } }

    /// Adds a request at the back of its tenant's queue.
    ///
    /// Throws `tooManyRequests` (429) when the tenant already has `maxOutstanding` requests
    /// waiting, and `unavailable` once the queue is stopped.
    public func enqueue(_ item: QueuedQuery, maxOutstanding: Int, maxQueriers: Int) throws(QueryFailure) {
        let handed: (Waiter, QueuedQuery)? = try state.withLock { (s: inout State) throws(QueryFailure) -> (Waiter, QueuedQuery)? in
            guard !s.stopped else { throw .unavailable("the query-frontend is shutting down") }
            var q = s.tenants[item.tenantKey] ?? TenantQueue()
            if maxOutstanding > 0, q.items.count >= maxOutstanding {
                throw .tooManyRequests(
                    "too many outstanding requests: tenant \(item.tenantKey) already has \(q.items.count) queries waiting, the limit set by -query-frontend.max-outstanding-requests-per-tenant (\(ErrorID.tooManyOutstandingRequests.id))")
            }
            q.maxQueriers = maxQueriers
            let wasEmpty = q.items.isEmpty
            q.items.append(item)
            s.tenants[item.tenantKey] = q
            s.length += 1
            if wasEmpty { s.order.append(item.tenantKey) }
            // A querier already waiting takes it at once if it may serve this tenant.
            for (i, w) in s.waiters.enumerated() where Self.serves(w.querierID, tenant: item.tenantKey, in: &s) {
                guard let taken = Self.take(for: w.querierID, in: &s) else { break }
                s.waiters.remove(at: i)
                return (w, taken)
            }
            return nil
        }
        if let (w, taken) = handed { w.continuation.resume(returning: taken) }
    }

    /// Waits for the next request `querierID` may serve; nil when the queue stops or the
    /// calling task is cancelled (the querier went away).
    public func dequeue(querierID: String) async -> QueuedQuery? {
        let waiterID = state.withLock { s -> Int in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<QueuedQuery?, Never>) in
                let immediate: QueuedQuery?? = state.withLock { s in
                    if s.stopped || Task.isCancelled { return .some(nil) }
                    if let item = Self.take(for: querierID, in: &s) { return .some(item) }
                    s.waiters.append(Waiter(id: waiterID, querierID: querierID, continuation: c))
                    return .none
                }
                if let immediate { c.resume(returning: immediate) }
            }
        } onCancel: {
            let w: Waiter? = state.withLock { s in
                guard let i = s.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
                return s.waiters.remove(at: i)
            }
            w?.continuation.resume(returning: nil)
        }
    }

    /// Records a connected querier (one call per connection or worker; counted).
    public func registerQuerier(_ id: String) {
        state.withLock { s in
            s.queriers[id, default: 0] += 1
            if s.queriers[id] == 1 { s.generation += 1 }
        }
    }

    /// Forgets one connection of a querier.
    public func unregisterQuerier(_ id: String) {
        state.withLock { s in
            guard let n = s.queriers[id] else { return }
            if n <= 1 {
                s.queriers[id] = nil
                s.generation += 1
            } else {
                s.queriers[id] = n - 1
            }
        }
    }

    /// Stops the queue: waiting queriers get nil and waiting requests fail as unavailable.
    public func stop() {
        let (waiters, items): ([Waiter], [QueuedQuery]) = state.withLock { s in
            s.stopped = true
            let w = s.waiters
            s.waiters = []
            var items: [QueuedQuery] = []
            for (_, q) in s.tenants { items.append(contentsOf: q.items) }
            s.tenants = [:]
            s.order = []
            s.length = 0
            return (w, items)
        }
        for w in waiters { w.continuation.resume(returning: nil) }
        for i in items { i.complete(.failure(.unavailable("the query-frontend is shutting down"))) }
    }

    // MARK: - Under the lock

    /// The next item for `querierID`, round-robin over tenants starting after the last served;
    /// completed (timed-out, cancelled) items are dropped on the way.
    private static func take(for querierID: String, in s: inout State) -> QueuedQuery? {
        var scanned = 0
        while scanned < s.order.count, !s.order.isEmpty {
            if s.next >= s.order.count { s.next = 0 }
            let tenant = s.order[s.next]
            guard serves(querierID, tenant: tenant, in: &s), var q = s.tenants[tenant] else {
                s.next += 1
                scanned += 1
                continue
            }
            var found: QueuedQuery? = nil
            while let item = q.items.popFirst() {
                s.length -= 1
                if item.markDequeued() {
                    found = item
                    break
                }
            }
            if q.items.isEmpty {
                s.tenants[tenant] = nil
                s.order.remove(at: s.next)
            } else {
                s.tenants[tenant] = q
                s.next += 1
            }
            if let found { return found }
            scanned += 1
        }
        return nil
    }

    /// Whether `querierID` is among the queriers of `tenant` (all of them unless the tenant's
    /// `max_queriers_per_tenant` is below the number connected).
    private static func serves(_ querierID: String, tenant: String, in s: inout State) -> Bool {
        guard var q = s.tenants[tenant] else { return false }
        guard q.maxQueriers > 0, q.maxQueriers < s.queriers.count else { return true }
        if q.generation != s.generation {
            let chosen = s.queriers.keys
                .map { id -> (UInt64, String) in
                    var h = LabelsHasher()
                    h.add(tenant)
                    h.add(id)
                    return (h.finish(), id)
                }
                .sorted { $0 < $1 }
                .prefix(q.maxQueriers)
                .map(\.1)
            q.queriers = Set(chosen)
            q.generation = s.generation
            s.tenants[tenant] = q
        }
        return q.queriers?.contains(querierID) ?? true
    }
}
