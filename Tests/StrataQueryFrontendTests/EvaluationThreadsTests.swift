import Foundation
import StrataTestSupport
import Synchronization
import Testing
@testable import StrataQueryFrontend

/// `EvaluationThreads`: per-tenant FIFOs served round-robin, at most `maxRunningPerTenant` jobs of
/// one tenant running at once. Each executor here has a few threads of its own (they live as
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

    @Test(arguments: [1, 2])
    func tenantsTakeTurnsRoundRobin(cap: Int) async throws {
        let threads = EvaluationThreads(threads: 1, maxRunningPerTenant: cap)
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
