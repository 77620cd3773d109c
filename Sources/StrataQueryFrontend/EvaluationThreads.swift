import Foundation

/// The threads queriers evaluate queries on: a task executor of its own, with more threads than
/// cores, instead of Swift's cooperative pool (one thread per core).
///
/// Why: a heavy query keeps every thread it runs on busy for tens of milliseconds at a time
/// (one block of its parallel parts). On the cooperative pool that is every thread of a small
/// machine, and a light query from another tenant waits for a block to end before it can start
/// at all. Here the light query gets a thread at once and the kernel shares the cores between
/// the threads, so its latency grows with its share of CPU rather than with the heavy query's
/// block length (docs/benchmarks.md, "Query-frontend"). The HTTP servers, the frontend's queue
/// and the storage clients stay on the cooperative pool and NIO's event loops.
public final class EvaluationThreads: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `head` are only touched under `condition`.

    /// The process-wide executor queriers use: twice as many threads as cores, at least 4.
    public static let shared = EvaluationThreads(count: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    /// Stack of each thread: what Swift concurrency's threads have on Linux, which the engine's
    /// depth limits are measured against.
    static let stackSize = 8 << 20

    private var jobs: [UnownedJob] = []
    private var head = 0
    private let condition = NSCondition()

    /// An executor with `count` threads, which live as long as the process.
    init(count: Int) {
        for i in 0..<max(1, count) {
            let thread = Thread { [unowned self] in self.loop() }
            thread.stackSize = Self.stackSize
            thread.name = "strata-eval-\(i)"
            thread.start()
        }
    }

    /// Queues `job`; the longest-waiting job runs first.
    public func enqueue(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            // Drop the consumed prefix now and then rather than shifting on every job.
            if head >= 1024 && head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
