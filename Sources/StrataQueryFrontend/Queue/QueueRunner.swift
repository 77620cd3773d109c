import Logging
import StrataModel
import Synchronization

/// The last stage of the frontend: puts each request in its tenant's queue, waits for the
/// querier that pulls it, and retries on another querier when one disappears mid-query.
public struct QueueRunner: QueryRunner {
    /// The per-tenant limits the queue applies to one request.
    public struct TenantLimits: Sendable {
        /// Queued requests allowed per tenant (`-query-frontend.max-outstanding-requests-per-tenant`).
        public var maxOutstanding: Int
        /// Queriers that may serve the tenant (`max_queriers_per_tenant`; 0 = all).
        public var maxQueriers: Int
        /// Creates limits.
        public init(maxOutstanding: Int, maxQueriers: Int) {
            self.maxOutstanding = maxOutstanding
            self.maxQueriers = maxQueriers
        }
    }

    /// The queue queriers pull from.
    public let queue: RequestQueue
    /// The limits of a tenant key (`a|b` for federated queries: the strictest of the tenants').
    public let limits: @Sendable (QueryRequest) -> TenantLimits
    /// Attempts per request (`-query-frontend.max-retries-per-request`), at least 1.
    public let maxAttempts: Int
    /// How long a request may wait and run in all, when the request names no shorter timeout.
    public let timeout: Duration
    /// Where queue waits and requests refused by a full queue are counted (nil: nowhere).
    public var metrics: FrontendMetrics? = nil
    let logger: Logger

    /// Creates the stage.
    public init(queue: RequestQueue, limits: @escaping @Sendable (QueryRequest) -> TenantLimits, maxAttempts: Int,
                timeout: Duration, logger: Logger) {
        self.queue = queue
        self.limits = limits
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.logger = logger
    }

    /// Queues `request` and returns the answer of the querier that ran it, holding one of the
    /// client query's `max_query_parallelism` permits while it waits.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        guard let permits = QueryParallelism.current else { return try await runQueued(request) }
        return try await permits.withPermit { () async throws(QueryFailure) -> QueryResponse in try await runQueued(request) }
    }

    /// How much longer than the query's time the frontend waits, so that the querier's own
    /// timeout error (with its detail) is normally what the client sees.
    static let timeoutGrace: Duration = .milliseconds(250)

    private func runQueued(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        let l = limits(request)
        var budget = timeout
        if request.timeoutMs > 0, .milliseconds(request.timeoutMs) < budget { budget = .milliseconds(request.timeoutMs) }
        let deadline = QueryDeadline.current ?? (ContinuousClock.now + budget)
        var attempt = 0
        while true {
            attempt += 1
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw .timeout("query timed out in the query-frontend before a querier could run it (\(ErrorID.queryTimeout.id))")
            }
            var sent = request
            // The querier gets only the time left (whole ms, at least 1).
            sent.timeoutMs = max(1, left.inMilliseconds)
            let wait = left + Self.timeoutGrace
            let item = QueuedQuery(request: sent, tenantKey: request.tenantKey)
            do throws(QueryFailure) {
                try queue.enqueue(item, maxOutstanding: l.maxOutstanding, maxQueriers: l.maxQueriers)
            } catch {
                if error.status == 429 { metrics?.discarded(tenantKey: request.tenantKey) }
                throw error
            }
            let outcome = await item.wait(timeout: wait)
            if let metrics, item.wasDequeued { metrics.waited(seconds: item.queueSeconds) }
            switch outcome {
            case .success(var response):
                response.stats.queueSeconds += item.queueSeconds
                return response
            case .failure(let failure):
                guard failure.isRetryable, attempt < maxAttempts, !Task.isCancelled else { throw failure }
                logger.info("retrying query on another querier", metadata: [
                    "tenant": "\(request.tenantKey)", "attempt": "\(attempt)", "err": "\(failure.message)",
                ])
            }
        }
    }
}

/// Queriers inside this process: `concurrency` workers that pull from the queue and run each
/// request with `runner` (the engine over local storage), as `-target=all` runs them.
///
/// Each worker counts as its own querier for `max_queriers_per_tenant`, so a tenant limited to
/// one querier uses one worker and leaves the rest to other tenants.
public final class LocalQueriers: Sendable {
    private let queue: RequestQueue
    private let runner: any QueryRunner
    private let concurrency: Int
    private let idPrefix: String
    private let started = Mutex<Task<Void, Never>?>(nil)

    /// Creates `concurrency` workers (started by `run()`).
    public init(queue: RequestQueue, runner: any QueryRunner, concurrency: Int, idPrefix: String = "local") {
        self.queue = queue
        self.runner = runner
        self.concurrency = max(1, concurrency)
        self.idPrefix = idPrefix
    }

    /// Starts the workers in the background once (later calls do nothing); they run until
    /// `stop()` or until the queue stops.
    public func start() {
        started.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Stops the queue (waiting requests fail as unavailable) and the background workers.
    public func stop() async {
        queue.stop()
        let task = started.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    /// Runs the workers until the task is cancelled or the queue stops.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<concurrency {
                let id = "\(idPrefix)-\(i)"
                group.addTask { [queue, runner] in
                    queue.registerQuerier(id)
                    defer { queue.unregisterQuerier(id) }
                    while !Task.isCancelled, let item = await queue.dequeue(querierID: id) {
                        do throws(QueryFailure) {
                            item.complete(.success(try await runner.run(item.request)))
                        } catch {
                            item.complete(.failure(error))
                        }
                    }
                }
            }
        }
    }
}
