import Foundation
import StrataModel
import StrataPromQL
import StrataTestSupport
import Synchronization
import Testing
@testable import StrataQueryFrontend

/// `EvaluationThreads`: per-tenant FIFOs served round-robin, at most `maxRunningPerTenant` jobs of
/// one tenant running at once, a busy tenant's on nicer background threads. Each executor here has a few threads of its own (they live as
/// long as the test process). Orders and counts only, never durations: the machine is busy.
@Suite(.timeLimit(.minutes(2))) struct EvaluationThreadsTests {
    /// Blocks the threads of the jobs that pass through it until it is opened.
    final class Gate: @unchecked Sendable {
        // @unchecked: `isOpen` is only touched under `condition`.
        private let condition = NSCondition()
        private var isOpen = false

        func pass() {
            condition.lock()
            while !isOpen { condition.wait() }
            condition.unlock()
        }

        func open() {
            condition.lock()
            isOpen = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Counts the jobs of each tenant inside their synchronous part, with the most at once, and
    /// records the order they started in.
    final class Probe: Sendable {
        private struct Counts {
            var running: [String: Int] = [:]
            var most: [String: Int] = [:]
            var order: [String] = []
        }

        private let counts = Mutex(Counts())

        func start(_ tenant: String, label: String? = nil) {
            counts.withLock {
                let now = $0.running[tenant, default: 0] + 1
                $0.running[tenant] = now
                $0.most[tenant] = max($0.most[tenant, default: 0], now)
                $0.order.append(label ?? tenant)
            }
        }

        func end(_ tenant: String) {
            counts.withLock { $0.running[tenant, default: 0] -= 1 }
        }

        func running(_ tenant: String) -> Int { counts.withLock { $0.running[tenant, default: 0] } }
        func most(_ tenant: String) -> Int { counts.withLock { $0.most[tenant, default: 0] } }
        var order: [String] { counts.withLock { $0.order } }
        var started: Int { counts.withLock { $0.order.count } }
    }

    /// One job of `tenant`: a task whose whole body is synchronous, so it runs as one slice.
    @discardableResult
    func job(_ threads: EvaluationThreads, _ tenant: String, _ body: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        Task(executorPreference: threads.executor(for: tenant)) { body() }
    }

    /// A few rounds of arithmetic, so a slice is not empty.
    static func work() -> Int {
        var x = 0
        for i in 0..<2_000 { x &+= i &* i }
        return x
    }

    @Test func tenantsTakeTurnsRoundRobin() async throws {
        // One primary thread and no background thread: every job takes its turn on that thread.
        let threads = EvaluationThreads(threads: 1, maxRunningPerTenant: 1)
        let gate = Gate()
        defer { gate.open() }
        let probe = Probe()
        // Hold the only thread while the others queue, so the order is the executor's alone.
        let blocker = job(threads, "gate") { gate.pass() }
        try await eventually("the gate job runs") { threads.running("gate") == 1 }

        var tasks: [Task<Void, Never>] = []
        for (tenant, n) in [("a", 3), ("b", 1), ("c", 2)] {
            for i in 1...n {
                tasks.append(job(threads, tenant) { probe.start(tenant, label: "\(tenant)\(i)"); probe.end(tenant) })
            }
        }
        try await eventually("every job is queued") {
            threads.queued("a") == 3 && threads.queued("b") == 1 && threads.queued("c") == 2
        }
        gate.open()
        await blocker.value
        for t in tasks { await t.value }
        #expect(probe.order == ["a1", "b1", "c1", "a2", "c2", "a3"])
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    @Test(arguments: [(threads: 4, cap: 2), (threads: 3, cap: 3), (threads: 2, cap: 4)])
    func loneTenantRunsUpToItsCap(threads count: Int, cap: Int) async throws {
        let threads = EvaluationThreads(threads: count, maxRunningPerTenant: cap)
        let gate = Gate()
        defer { gate.open() }
        let probe = Probe()
        let jobs = 8
        // The jobs wait at the gate without using CPU: heavy is not busy and runs on the primary
        // threads only.
        let expected = min(count, cap)
        let tasks = (0..<jobs).map { _ in
            job(threads, "heavy") { probe.start("heavy"); gate.pass(); probe.end("heavy") }
        }
        try await eventually("heavy runs \(expected) jobs") { probe.running("heavy") == expected }
        #expect(threads.running("heavy") == expected)
        #expect(threads.queued("heavy") == jobs - expected)

        if count > cap {
            // Threads are left over but heavy is at its cap: another tenant's job runs at once,
            // and heavy's queued jobs still wait.
            await job(threads, "light") { probe.start("light"); probe.end("light") }.value
            #expect(probe.running("heavy") == expected)
            #expect(threads.queued("heavy") == jobs - expected)
        }

        gate.open()
        for t in tasks { await t.value }
        #expect(probe.most("heavy") == expected)
        #expect(probe.started == jobs + (count > cap ? 1 : 0))
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    /// Spins until the calling thread has used `seconds` of CPU (CPU time, not wall time, so a
    /// busy machine only makes it slower).
    static func burnCPU(seconds: Double) {
        func cpu() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        let start = cpu()
        var x = 0
        while cpu() - start < seconds { x &+= work() }
        if x == 42 { print(x) }
    }

    @Test func busyTenantsRunOnTheBackgroundThreads() async throws {
        // Busy after 50 ms of CPU; a decay of an hour keeps it busy for the whole test.
        let threads = EvaluationThreads(threads: 2, maxRunningPerTenant: 2, busyAfter: 0.05, usageDecay: 3600)
        #expect(threads.backgroundThreadCount == 2)
        let nices = Mutex<[Int32]>([])
        let policies = Mutex<[Int32]>([])
        @Sendable func record() {
            let n = Self.ownNice(), p = Self.ownPolicy()
            nices.withLock { $0.append(n) }
            policies.withLock { $0.append(p) }
        }
        // Not busy yet: its first job runs on a primary thread, and uses 0.1 s of CPU.
        await job(threads, "heavy") { record(); Self.burnCPU(seconds: 0.1) }.value
        // Busy now, but alone: its next job stays on a primary thread.
        await job(threads, "heavy") { record() }.value
        // Once another tenant was active, its next job runs on a background thread, the other
        // tenant's on a primary one.
        await job(threads, "light") { record() }.value
        await job(threads, "heavy") { record() }.value
        await job(threads, "light") { record() }.value
        var recorded = nices.withLock { $0 }
        // The first three ran on primary threads.
        var policy = policies.withLock { $0 }
        try #require(recorded.count == 5)
        #expect(recorded[0...2].allSatisfy { $0 == recorded[0] } && policy[0...2].allSatisfy { $0 == 0 })
        // The last three: light, heavy (busy, with light active), light.
        recorded.removeFirst(2)
        policy.removeFirst(2)
        let base = recorded[0]
        #if os(Linux)
        // SCHED_IDLE on the background thread (nice +10 where a sandbox refuses that policy).
        if policy[1] == EvaluationThreads.schedIdle {
            #expect(policy == [0, EvaluationThreads.schedIdle, 0] && recorded == [base, base, base])
        } else {
            #expect(policy == [0, 0, 0])
            #expect(recorded == [base, min(19, base + EvaluationThreads.backgroundNice), base])
        }
        #else
        #expect(recorded == [base, base, base])
        #endif

        // The cap holds for a busy tenant too.
        let probe = Probe()
        let gate = Gate()
        defer { gate.open() }
        let tasks = (0..<5).map { _ in job(threads, "heavy") { probe.start("heavy"); gate.pass(); probe.end("heavy") } }
        // Background threads get a core only when the test process leaves one idle.
        try await eventually("heavy runs two jobs", timeout: .seconds(600)) { probe.running("heavy") == 2 }
        #expect(threads.queued("heavy") == 3)
        gate.open()
        for t in tasks { await t.value }
        #expect(probe.most("heavy") == 2)
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    @Test func aBusyTenantsQueriesRunAsOneTaskWhileOthersAreActive() async throws {
        let threads = EvaluationThreads(threads: 2, maxRunningPerTenant: 2, busyAfter: 0.05, usageDecay: 3600)
        var runner = EngineQueryRunner(options: EngineOptions(), storage: { _ in EmptyQueryable() })
        runner.threads = threads
        let heavy = try TenantID(validating: "heavy")
        let request = QueryRequest(kind: .range, tenants: [heavy], query: "up", start: 0, end: 60_000, step: 15_000)
        // Not busy: the configured parallelism (0, one task per core).
        #expect(!threads.runsInBackground("heavy"))
        #expect(try runner.engineOptions(for: request).parallelism == 0)
        // Busy but alone: still the configured parallelism.
        await job(threads, "heavy") { Self.burnCPU(seconds: 0.1) }.value
        // The job's CPU time is recorded once its slice returns, after the task has completed.
        try await eventually("heavy's CPU time is recorded") { threads.recentCPUSeconds("heavy") > threads.busyAfter }
        #expect(!threads.runsInBackground("heavy"))
        #expect(try runner.engineOptions(for: request).parallelism == 0)
        // Busy while another tenant is active: one task; the other tenant keeps its parallelism.
        await job(threads, "light") {}.value
        #expect(threads.runsInBackground("heavy"))
        #expect(try runner.engineOptions(for: request).parallelism == 1)
        #expect(!threads.runsInBackground("light"))
        let light = QueryRequest(kind: .range, tenants: [try TenantID(validating: "light")], query: "up", start: 0, end: 60_000, step: 15_000)
        #expect(try runner.engineOptions(for: light).parallelism == 0)
        // A configured parallelism other than the default is kept for tenants in the foreground.
        runner = EngineQueryRunner(options: { var o = EngineOptions(); o.parallelism = 4; return o }(), storage: { _ in EmptyQueryable() })
        runner.threads = threads
        #expect(try runner.engineOptions(for: light).parallelism == 4)
        #expect(try runner.engineOptions(for: request).parallelism == 1)
    }

    @Test func threadsCarryTheirNamesInTheKernel() async throws {
        let threads = EvaluationThreads(threads: 1, maxRunningPerTenant: 1)
        let name = Mutex<String>("")
        await job(threads, "a") { name.withLock { $0 = Self.ownKernelName() } }.value
        #if os(Linux)
        // What `ps -L`, `top -H` and `perf` show.
        #expect(name.withLock { $0 } == "strata-eval-0")
        #else
        #expect(name.withLock { $0 } == "")
        #endif
    }

    /// The calling thread's name as the kernel knows it (Linux; empty elsewhere).
    static func ownKernelName() -> String {
        #if os(Linux)
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
        #else
        return ""
        #endif
    }

    /// The scheduling policy of the calling thread (0, SCHED_OTHER, elsewhere than Linux).
    static func ownPolicy() -> Int32 {
        #if os(Linux)
        sched_getscheduler(0)
        #else
        0
        #endif
    }

    /// The nice value of the calling thread (per thread on Linux; the process's elsewhere).
    static func ownNice() -> Int32 {
        #if os(Linux)
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        getpriority(PRIO_PROCESS, 0)
        #endif
    }

    @Test func capHoldsForTasksOfManySlices() async throws {
        let threads = EvaluationThreads(threads: 4, maxRunningPerTenant: 2)
        let probe = Probe()
        let tenants = ["a", "b", "c"]
        let slices = 5
        var tasks: [Task<Void, Never>] = []
        for tenant in tenants {
            for _ in 0..<40 {
                tasks.append(Task(executorPreference: threads.executor(for: tenant)) {
                    for _ in 0..<slices {
                        probe.start(tenant)
                        _ = Self.work()
                        probe.end(tenant)
                        await Task.yield()
                    }
                })
            }
        }
        for t in tasks { await t.value }
        for tenant in tenants {
            #expect(probe.most(tenant) <= 2, "tenant \(tenant)")
            #expect(probe.running(tenant) == 0)
        }
        #expect(probe.started == tenants.count * 40 * slices)
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    @Test func childTasksRunAsTheirTenant() async throws {
        let threads = EvaluationThreads(threads: 3, maxRunningPerTenant: 1)
        let gate = Gate()
        defer { gate.open() }
        let probe = Probe()
        let children = 6
        let query = Task {
            await withTaskExecutorPreference(threads.executor(for: "a|b")) {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<children {
                        group.addTask {
                            probe.start("a|b")
                            gate.pass()
                            probe.end("a|b")
                        }
                    }
                }
            }
        }
        // The children wait in the tenant's queue: one runs (cap 1) though three threads exist.
        try await eventually("one child runs, the others are queued as a|b") {
            threads.running("a|b") == 1 && threads.queued("a|b") == children - 1
        }
        #expect(probe.running("a|b") == 1)
        gate.open()
        await query.value
        #expect(probe.started == children)
        #expect(probe.most("a|b") == 1)
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    @Test func aSuspendedTaskHoldsNoShareOfItsCap() async throws {
        let threads = EvaluationThreads(threads: 2, maxRunningPerTenant: 1)
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let waiter = Task(executorPreference: threads.executor(for: "a")) {
            for await _ in stream { return true }
            return false
        }
        // Suspended on the stream: nothing of tenant a queued or running any more.
        try await eventually("the waiting task suspends") { threads.tenantCount == 0 && threads.running("a") == 0 }
        // Another job of the same tenant at cap 1 runs and wakes it; the woken slice runs too.
        await job(threads, "a") { continuation.yield(()) }.value
        #expect(await waiter.value)
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }

    @Test func manyTenantsAllComplete() async throws {
        let threads = EvaluationThreads(threads: 3, maxRunningPerTenant: 1)
        let probe = Probe()
        let tenants = (0..<300).map { "tenant-\($0)" }
        var tasks: [Task<Void, Never>] = []
        for tenant in tenants {
            for _ in 0..<3 {
                tasks.append(Task(executorPreference: threads.executor(for: tenant)) {
                    probe.start(tenant)
                    probe.end(tenant)
                    await Task.yield()
                    probe.start(tenant)
                    probe.end(tenant)
                })
            }
        }
        for t in tasks { await t.value }
        #expect(probe.started == tenants.count * 3 * 2)
        #expect(tenants.allSatisfy { probe.most($0) == 1 })
        try await eventually("every tenant queue is dropped") { threads.tenantCount == 0 }
    }
}
