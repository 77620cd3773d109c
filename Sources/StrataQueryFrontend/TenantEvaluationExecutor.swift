/// One tenant's view of the `EvaluationThreads`: a task executor whose jobs wait in that tenant's
/// FIFO and take their turn with the other tenants'.
///
/// `EngineQueryRunner` makes one per query and evaluates under `withTaskExecutorPreference`, so
/// the query's child tasks and every slice after a suspension are queued for the same tenant.
public final class TenantEvaluationExecutor: TaskExecutor {
    /// The threads the jobs run on.
    public let threads: EvaluationThreads
    /// The tenant key the jobs are queued under (`a|b` for a federated query).
    public let tenantKey: String

    init(threads: EvaluationThreads, tenantKey: String) {
        self.threads = threads
        self.tenantKey = tenantKey
    }

    /// Queues `job` at the back of this tenant's FIFO.
    public func enqueue(_ job: UnownedJob) {
        threads.enqueue(job, from: self)
    }
}
