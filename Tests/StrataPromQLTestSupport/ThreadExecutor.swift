import Foundation
import Synchronization

/// A task executor with one thread of its own and a chosen stack size.
///
/// With a 4 MiB stack (half of what Swift concurrency's and NIO's threads have on Linux) a test
/// shows that a pass over the deepest accepted expression fits with room to spare; and a timing test whose task runs here is not
/// starved by other tests holding the cooperative pool's few threads.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// Half the stack of Swift concurrency's and NIO's threads on Linux (8 MiB).
    public static let smallStack = 4 << 20

    private let jobs = Mutex<[UnownedJob]>([])
    private let ready = NSCondition()
    private var thread: Thread?

    /// An executor whose thread has a stack of `stackSize` bytes. The thread lives as long as
    /// the process.
    public init(stackSize: Int) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.stackSize = stackSize
        self.thread = thread
        thread.start()
    }

    /// Queues `job` for the executor's thread.
    public func enqueue(_ job: UnownedJob) {
        ready.lock()
        jobs.withLock { $0.append(job) }
        ready.signal()
        ready.unlock()
    }

    /// Runs `body` synchronously on the small stack and returns its result.
    public func runSync<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await Task(executorPreference: self) { body() }.value
    }

    private func loop() {
        while true {
            ready.lock()
            var next: UnownedJob? = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            while next == nil {
                ready.wait()
                next = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            }
            ready.unlock()
            next?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
