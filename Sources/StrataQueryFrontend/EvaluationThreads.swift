import DequeModule
import Foundation

/// The threads queriers evaluate queries on: threads of their own, more than cores, instead of
/// Swift's cooperative pool (one thread per core), shared fairly between tenants.
///
/// Why threads of their own: a heavy query keeps every thread it runs on busy for tens of
/// milliseconds at a time (one block of its parallel parts). On the cooperative pool that is
/// every thread of a small machine, and a light query from another tenant waits for a block to
/// end before it can start at all. The HTTP servers, the frontend's queue and the storage
/// clients stay on the cooperative pool and NIO's event loops.
///
/// Why fair: with one global FIFO a heavy query's parallel parts still took every thread, so a
/// light query shared the cores with all of them. Here a query runs on `executor(for:)` its
/// tenant, which queues its jobs (the CPU slices between two suspensions of its tasks) in that
/// tenant's FIFO. Threads take jobs round-robin over the tenants with jobs queued, and no tenant
/// has more than `maxRunningPerTenant` (the cores) jobs running at once: a tenant alone still
/// uses every core, but another tenant's job finds a free thread at once and shares the cores
/// with at most that many of the first tenant's jobs, however many it has queued
/// (docs/query-frontend.md, "Queue and fairness"; figures in docs/benchmarks.md).
///
/// A job never waits for another job: a task suspended (on I/O, on its child tasks) is not
/// running and holds no thread and no share of its tenant's cap, so a tenant at its cap only
/// waits for one of its own running slices to end, and every queued job runs eventually.
public final class EvaluationThreads: @unchecked Sendable {
    // @unchecked: `tenants` and `turns` are only touched under `condition`.

    /// The process-wide threads queriers use: twice as many threads as cores (at least 4), and
    /// at most as many jobs of one tenant running at once as there are cores.
    public static let shared: EvaluationThreads = {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return EvaluationThreads(threads: max(4, 2 * cores), maxRunningPerTenant: cores)
    }()

    /// Stack of each thread: what Swift concurrency's threads have on Linux, which the engine's
    /// depth limits are measured against.
    static let stackSize = 8 << 20

    /// The most jobs of one tenant key running at once.
    public let maxRunningPerTenant: Int
    /// The threads jobs run on.
    public let threadCount: Int

    /// A job and the tenant view it was queued through, which it runs on so that the task's
    /// executor preference matches and its next slice is queued for the same tenant.
    private struct Queued {
        let job: UnownedJob
        let executor: TenantEvaluationExecutor
    }

    /// One tenant's jobs. Present while it has jobs queued or running, removed when it has none.
    private struct Tenant {
        var jobs = Deque<Queued>()
        var running = 0
    }

    private var tenants: [String: Tenant] = [:]
    /// The tenants whose next job may run now (jobs queued, fewer than the cap running), in
    /// round-robin order. A tenant is in it exactly when that holds, so once at most.
    private var turns = Deque<String>()
    private let condition = NSCondition()

    /// Starts `threads` threads (at least 1), which live as long as the process, running at most
    /// `maxRunningPerTenant` (at least 1) jobs of one tenant at once.
    init(threads: Int, maxRunningPerTenant: Int) {
        self.threadCount = max(1, threads)
        self.maxRunningPerTenant = max(1, maxRunningPerTenant)
        for i in 0..<threadCount {
            let thread = Thread { [unowned self] in self.loop() }
            thread.stackSize = Self.stackSize
            thread.name = "strata-eval-\(i)"
            thread.start()
        }
    }

    /// The executor a query of `tenantKey` (`a|b` for a federated query, as `QueryRequest.tenantKey`)
    /// runs on; use it with `withTaskExecutorPreference` so child tasks run on it too.
    public func executor(for tenantKey: String) -> TenantEvaluationExecutor {
        TenantEvaluationExecutor(threads: self, tenantKey: tenantKey)
    }

    /// Queues `job` at the back of its tenant's FIFO.
    func enqueue(_ job: UnownedJob, from executor: TenantEvaluationExecutor) {
        let key = executor.tenantKey
        condition.lock()
        var tenant = tenants.removeValue(forKey: key) ?? Tenant()
        let wasWaiting = !tenant.jobs.isEmpty || tenant.running >= maxRunningPerTenant
        tenant.jobs.append(Queued(job: job, executor: executor))
        tenants[key] = tenant
        if !wasWaiting {
            turns.append(key)
            condition.signal()
        }
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            guard let (key, next) = takeNext() else {
                condition.wait()
                continue
            }
            // More may run now: pass the wake-up on rather than rely on the enqueuer's one signal.
            if !turns.isEmpty { condition.signal() }
            condition.unlock()
            next.job.runSynchronously(on: next.executor.asUnownedTaskExecutor())
            condition.lock()
            finished(key)
        }
    }

    /// The next tenant's oldest job, counted as running; under `condition`.
    private func takeNext() -> (String, Queued)? {
        while let key = turns.popFirst() {
            guard var tenant = tenants.removeValue(forKey: key) else { continue }
            guard let next = tenant.jobs.popFirst() else {
                if tenant.running > 0 { tenants[key] = tenant }
                continue
            }
            tenant.running += 1
            if !tenant.jobs.isEmpty && tenant.running < maxRunningPerTenant { turns.append(key) }
            tenants[key] = tenant
            return (key, next)
        }
        return nil
    }

    /// A job of `key` has run; under `condition`.
    private func finished(_ key: String) {
        guard var tenant = tenants.removeValue(forKey: key) else { return }
        tenant.running -= 1
        if tenant.jobs.isEmpty && tenant.running == 0 { return }  // nothing left: drop the entry
        // Back under the cap with jobs queued: its turn comes again.
        if !tenant.jobs.isEmpty && tenant.running == maxRunningPerTenant - 1 { turns.append(key) }
        tenants[key] = tenant
    }

    /// Tenant keys with jobs queued or running (for tests).
    var tenantCount: Int { locked { tenants.count } }

    /// Jobs of `tenantKey` queued and not running (for tests).
    func queued(_ tenantKey: String) -> Int { locked { tenants[tenantKey]?.jobs.count ?? 0 } }

    /// Jobs of `tenantKey` running (for tests).
    func running(_ tenantKey: String) -> Int { locked { tenants[tenantKey]?.running ?? 0 } }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
