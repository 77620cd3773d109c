import DequeModule
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads queriers evaluate queries on: threads of their own, more than cores, instead of
/// Swift's cooperative pool (one thread per core), shared fairly between tenants.
///
/// Why threads of their own: a heavy query keeps every thread it runs on busy for tens of
/// milliseconds at a time (one block of its parallel parts). On the cooperative pool that is
/// every thread of a small machine, and a light query from another tenant waits for a block to
/// end before it can start at all. The HTTP servers, the frontend's queue and the storage
/// clients stay on the cooperative pool and NIO's event loops.
///
/// Why fair: a query runs on `executor(for:)` its tenant, which queues its jobs (the CPU slices
/// between two suspensions of its tasks) in that tenant's FIFO, and threads take jobs
/// round-robin over the tenants with jobs queued, at most `maxRunningPerTenant` of one tenant at
/// once. That alone still let a heavy tenant's slices fill the cores that a light tenant's query
/// and its HTTP and queue hops share (on two cores, ×6 on light's p99). So each tenant's recent CPU
/// use is tracked (run time of its jobs, decaying with a time constant of `usageDecay`), and a
/// tenant that used more than `busyAfter` CPU seconds lately is *busy*. While another tenant
/// has been active within the last `usageDecay` seconds, a busy tenant's jobs run on the
/// *background* threads (`maxRunningPerTenant` of them), which the kernel schedules as
/// `SCHED_IDLE` on Linux (nice `backgroundNice` where that policy is refused). Other jobs run on
/// the *primary* threads (`threadCount`) at the process's priority, and get a core as soon as they
/// wake. A busy tenant alone still uses every core, at the process's priority (a single-tenant
/// store does not starve its own queries behind its ingestion); while others need the CPU it
/// yields at once (docs/query-frontend.md, "Queue and fairness"; figures in docs/benchmarks.md).
///
/// A job never waits for another job: a task suspended (on I/O, on its child tasks) is not
/// running and holds no thread and no share of its cap, so a tenant at its cap only waits for one of its own
/// running slices to end, and every queued job runs eventually.
public final class EvaluationThreads: @unchecked Sendable {
    // @unchecked: every stored `var` is only touched while holding `mutex`.

    /// The process-wide threads queriers use: twice as many primary threads as cores (at least
    /// 4), and at most as many jobs of one tenant running at once as there are cores.
    public static let shared: EvaluationThreads = {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return EvaluationThreads(threads: max(4, 2 * cores), maxRunningPerTenant: cores)
    }()

    /// Stack of each thread: what Swift concurrency's threads have on Linux, which the engine's
    /// depth limits are measured against.
    static let stackSize = 8 << 20

    /// How much nicer than the process the background threads run when `SCHED_IDLE` is refused
    /// (Linux: per-thread nice; the kernel's weight for +10 is about a tenth of +0's, and raising
    /// a nice value needs no privilege, whereas lowering it again would, so a thread keeps its
    /// class for life).
    public static let backgroundNice: Int32 = 10

    /// Linux's `SCHED_IDLE` policy (`<linux/sched.h>`; Glibc does not export it to Swift). A
    /// thread of this policy runs only on CPU time no other thread wants, and any other thread
    /// that wakes preempts it at once. Measured against nice +10 (docs/benchmarks.md), it took
    /// about 2 ms off a light tenant's p99 while a heavy tenant flooded, because nice +10 still
    /// lets the heavy thread finish its slice before the woken one runs. Setting it needs no
    /// privilege.
    static let schedIdle: Int32 = 5

    /// Time constant, in seconds, of the decay of a tenant's recorded CPU use: use older than a
    /// few of these no longer counts.
    public let usageDecay: Double
    /// Decayed CPU seconds above which a tenant is busy: 0.25 with a decay of 1 s is a quarter of
    /// a core used steadily, or a quarter of a second of CPU just now.
    public let busyAfter: Double

    /// The most jobs of one tenant key running at once.
    public let maxRunningPerTenant: Int
    /// The primary threads: they run the jobs of tenants that are not busy, at the process's
    /// priority.
    public let threadCount: Int
    /// The background threads (`maxRunningPerTenant`): they run the jobs of busy tenants, as
    /// `SCHED_IDLE` (or at nice `backgroundNice`).
    public let backgroundThreadCount: Int

    /// A job and the tenant view it was queued through, which it runs on so that the task's
    /// executor preference matches and its next slice is queued for the same tenant.
    private struct Queued {
        let job: UnownedJob
        let executor: TenantEvaluationExecutor
    }

    /// Which kind of thread a tenant's next job waits for.
    private enum Turn {
        /// Not busy: a primary thread.
        case primary
        /// Busy: a background thread.
        case background
    }

    /// One tenant's jobs. Present while it has jobs queued or running, removed when it has none.
    private struct Tenant {
        var jobs = Deque<Queued>()
        var running = 0
        /// The turn list it is in, if any, and the ticket of its live entry there: entries whose
        /// ticket is not the tenant's current one are stale and skipped.
        var listed: Turn?
        var ticket: UInt64 = 0
    }

    /// A tenant's recent CPU use: CPU seconds of its jobs, decayed to `at` (seconds, monotonic).
    private struct Usage {
        var seconds: Double
        var at: Double

        func decayed(to now: Double, decay: Double) -> Double {
            now <= at ? seconds : seconds * exp(-(now - at) / decay)
        }
    }

    /// When a tenant last queued or finished a job (seconds, monotonic).
    private struct Activity {
        let key: String
        let at: Double
    }

    /// An entry of a turn list.
    private struct Ticket {
        let key: String
        let number: UInt64
    }

    private var tenants: [String: Tenant] = [:]
    /// Recent CPU use per tenant key; entries that decayed to nothing are dropped.
    private var usage: [String: Usage] = [:]
    /// Size of `usage` at which the next prune runs: twice what the last prune left (at least
    /// 64), so pruning costs O(1) per job however many tenants stay active.
    private var pruneAt = 64
    /// Tenants whose next job may run on a primary thread, in round-robin order.
    private var primaryTurns = Deque<Ticket>()
    /// Tenants whose next job may run on a background thread, in round-robin order.
    private var backgroundTurns = Deque<Ticket>()
    private var lastTicket: UInt64 = 0
    /// The two tenants last active, newest first, with distinct keys: enough to tell in O(1)
    /// whether a tenant other than a given one was active lately.
    private var recent: [Activity] = []

    // Two conditions over one mutex, so that a job listed for one kind of thread wakes a thread
    // of that kind; allocated once, as the threads live as long as the process.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let primaryReady: UnsafeMutablePointer<pthread_cond_t>
    private let backgroundReady: UnsafeMutablePointer<pthread_cond_t>

    /// Starts `threads` primary threads (at least 1) and `maxRunningPerTenant` background threads,
    /// which live as long as the process, running at most `maxRunningPerTenant` (at least 1) jobs
    /// of one tenant at once; a tenant whose CPU seconds, decaying with time constant
    /// `usageDecay` seconds, exceed `busyAfter` is busy.
    init(threads: Int, maxRunningPerTenant: Int, busyAfter: Double = 0.25, usageDecay: Double = 1.0) {
        self.threadCount = max(1, threads)
        self.maxRunningPerTenant = max(1, maxRunningPerTenant)
        self.busyAfter = busyAfter
        self.usageDecay = max(1e-3, usageDecay)
        self.backgroundThreadCount = self.maxRunningPerTenant
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        primaryReady = .allocate(capacity: 1)
        pthread_cond_init(primaryReady, nil)
        backgroundReady = .allocate(capacity: 1)
        pthread_cond_init(backgroundReady, nil)
        for i in 0..<threadCount { start(.primary, name: "strata-eval-\(i)") }
        for i in 0..<backgroundThreadCount { start(.background, name: "strata-evbg-\(i)") }
    }

    private func start(_ kind: Turn, name: String) {
        // The threads keep the object alive: they never end, and neither may it.
        let thread = Thread {
            // Foundation on Linux passes a name to the kernel only when the thread sets its own;
            // set before `start` it stays in Foundation, and profiles show the creator's name.
            Thread.current.name = name
            self.loop(kind)
        }
        thread.stackSize = Self.stackSize
        thread.name = name
        thread.start()
    }

    /// The executor a query of `tenantKey` (`a|b` for a federated query, as `QueryRequest.tenantKey`)
    /// runs on; use it with `withTaskExecutorPreference` so child tasks run on it too.
    public func executor(for tenantKey: String) -> TenantEvaluationExecutor {
        TenantEvaluationExecutor(threads: self, tenantKey: tenantKey)
    }

    /// Whether `tenantKey`'s jobs queued now would wait for the background threads: it is busy
    /// and another tenant was active lately. `EngineQueryRunner` then evaluates the tenant's new
    /// queries as one task each: splitting a query across tasks only buys latency on idle cores,
    /// and each extra task adds jobs whose queueing and completion take locks that the light
    /// tenants' jobs need too. A background thread preempted while holding one of them delays
    /// the light job until that thread gets a core again (a priority inversion the kernel does not
    /// resolve for `SCHED_IDLE` threads); docs/benchmarks.md has the measurement.
    public func runsInBackground(_ tenantKey: String) -> Bool {
        let now = Self.seconds(CLOCK_MONOTONIC)
        return locked { belongsInBackground(tenantKey, now: now) }
    }

    /// Queues `job` at the back of its tenant's FIFO.
    func enqueue(_ job: UnownedJob, from executor: TenantEvaluationExecutor) {
        let key = executor.tenantKey
        let now = Self.seconds(CLOCK_MONOTONIC)
        pthread_mutex_lock(mutex)
        noteActivity(key, now: now)
        var tenant = tenants.removeValue(forKey: key) ?? Tenant()
        tenant.jobs.append(Queued(job: job, executor: executor))
        store(key, &tenant)
        pthread_mutex_unlock(mutex)
    }

    private func loop(_ kind: Turn) {
        if kind == .background { lowerOwnPriority() }
        let ready = kind == .primary ? primaryReady : backgroundReady
        pthread_mutex_lock(mutex)
        while true {
            guard let (key, next) = takeNext(kind) else {
                pthread_cond_wait(ready, mutex)
                continue
            }
            pthread_mutex_unlock(mutex)
            let cpuBefore = Self.seconds(CLOCK_THREAD_CPUTIME_ID)
            next.job.runSynchronously(on: next.executor.asUnownedTaskExecutor())
            let used = Self.seconds(CLOCK_THREAD_CPUTIME_ID) - cpuBefore
            let now = Self.seconds(CLOCK_MONOTONIC)
            pthread_mutex_lock(mutex)
            finished(key, used: used, now: now)
        }
    }

    /// Seconds on `clock`: CPU time of the calling thread (what a job used, however long other
    /// threads held the core meanwhile) or monotonic time (for the decay).
    private static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Puts the calling thread in `SCHED_IDLE`, or, where that is refused (a seccomp profile),
    /// makes it `backgroundNice` nicer (Linux's policy and nice are per thread; pid 0 is the
    /// calling thread). Elsewhere the thread keeps the process's priority.
    private func lowerOwnPriority() {
        #if os(Linux)
        var param = sched_param()
        if sched_setscheduler(0, Self.schedIdle, &param) == 0 { return }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        if errno == 0 { _ = setpriority(which, 0, min(19, current + Self.backgroundNice)) }
        #endif
    }

    /// The next job for a thread of `list`'s kind: the oldest job of the first tenant in that turn
    /// list whose entry is live, counted as running; under `mutex`. Each kind serves its own list
    /// only: a busy tenant's jobs wait for a background thread (there are as many as a tenant may
    /// run jobs at once, so a busy tenant alone still fills the cores), and a light tenant's job is
    /// never left at the background threads' priority.
    private func takeNext(_ list: Turn) -> (String, Queued)? {
        while let ticket = (list == .primary ? primaryTurns.popFirst() : backgroundTurns.popFirst()) {
            guard var tenant = tenants.removeValue(forKey: ticket.key) else { continue }
            guard tenant.listed == list, tenant.ticket == ticket.number, let next = tenant.jobs.popFirst() else {
                tenants[ticket.key] = tenant
                continue
            }
            tenant.running += 1
            // Off the list: `store` lists it again at the back if it may run another job.
            tenant.listed = nil
            store(ticket.key, &tenant)
            return (ticket.key, next)
        }
        return nil
    }

    /// A job of `key` has used `used` CPU seconds, ending at `now`; under `mutex`.
    private func finished(_ key: String, used: Double, now: Double) {
        let previous = usage[key]?.decayed(to: now, decay: usageDecay) ?? 0
        usage[key] = Usage(seconds: previous + max(0, used), at: now)
        noteActivity(key, now: now)
        if usage.count >= pruneAt { pruneUsage(now: now) }
        guard var tenant = tenants.removeValue(forKey: key) else { return }
        tenant.running -= 1
        store(key, &tenant)
    }

    /// Drops the usage of tenants whose use decayed to nothing; under `mutex`.
    private func pruneUsage(now: Double) {
        usage = usage.filter { $0.value.decayed(to: now, decay: usageDecay) > 1e-4 || tenants[$0.key] != nil }
        pruneAt = max(64, 2 * usage.count)
    }

    /// Records that `key` queued or finished a job at `now`; under `mutex`.
    private func noteActivity(_ key: String, now: Double) {
        if recent.first?.key == key {
            recent[0] = Activity(key: key, at: now)
        } else {
            let previous = recent.first
            recent.removeAll(keepingCapacity: true)
            recent.append(Activity(key: key, at: now))
            if let previous { recent.append(previous) }
        }
    }

    /// Whether a tenant other than `key` has jobs queued or running, or was active within the
    /// last `usageDecay` seconds; under `mutex`.
    private func othersActive(besides key: String, now: Double) -> Bool {
        if tenants.count > 1 || (tenants.count == 1 && tenants[key] == nil) { return true }
        return recent.contains { $0.key != key && now - $0.at <= usageDecay }
    }

    /// Whether `key` used more than `busyAfter` CPU seconds lately; under `mutex`.
    private func isBusy(_ key: String, now: Double) -> Bool {
        guard let recorded = usage[key] else { return false }
        return recorded.decayed(to: now, decay: usageDecay) > busyAfter
    }

    /// Whether `key`'s next job waits for a background thread: it is busy and another tenant was
    /// active lately; under `mutex`.
    private func belongsInBackground(_ key: String, now: Double) -> Bool {
        isBusy(key, now: now) && othersActive(besides: key, now: now)
    }

    /// Stores `tenant` (or drops it when it has nothing queued or running) and puts it in the
    /// turn list its state calls for, waking a thread of that kind; under `mutex`.
    private func store(_ key: String, _ tenant: inout Tenant) {
        if tenant.jobs.isEmpty && tenant.running == 0 { return }
        let wanted: Turn?
        if tenant.jobs.isEmpty || tenant.running >= maxRunningPerTenant {
            wanted = nil
        } else if let listed = tenant.listed {
            // Keep its place in line; which list it waits in is decided when it is listed.
            wanted = listed
        } else {
            let now = Self.seconds(CLOCK_MONOTONIC)
            wanted = belongsInBackground(key, now: now) ? .background : .primary
        }
        if wanted != tenant.listed {
            tenant.listed = wanted
            if let wanted {
                lastTicket &+= 1
                tenant.ticket = lastTicket
                let ticket = Ticket(key: key, number: lastTicket)
                switch wanted {
                case .primary:
                    primaryTurns.append(ticket)
                    pthread_cond_signal(primaryReady)
                case .background:
                    backgroundTurns.append(ticket)
                    pthread_cond_signal(backgroundReady)
                }
            }
        }
        tenants[key] = tenant
    }

    /// `tenantKey`'s recent CPU seconds, decayed to now (for tests).
    func recentCPUSeconds(_ tenantKey: String) -> Double {
        let now = Self.seconds(CLOCK_MONOTONIC)
        return locked { usage[tenantKey]?.decayed(to: now, decay: usageDecay) ?? 0 }
    }

    /// Tenant keys with jobs queued or running (for tests).
    var tenantCount: Int { locked { tenants.count } }

    /// Jobs of `tenantKey` queued and not running (for tests).
    func queued(_ tenantKey: String) -> Int { locked { tenants[tenantKey]?.jobs.count ?? 0 } }

    /// Jobs of `tenantKey` running (for tests).
    func running(_ tenantKey: String) -> Int { locked { tenants[tenantKey]?.running ?? 0 } }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
