import StrataModel

/// State shared by every evaluator of one query: storage access, limits, and annotations.
///
/// A reference type because subquery evaluators run nested inside their parent and must count
/// samples and collect annotations into the same place. It never leaves the query's task.
final class EvalContext {
    /// The engine settings.
    let options: EngineOptions
    /// Where selectors read.
    let storage: any Queryable
    /// Whose data is read.
    let tenant: TenantID
    /// Warnings and infos raised so far.
    var annotations = Annotations()
    /// Samples held in memory right now, in Prometheus's `currentSamples` sense.
    var currentSamples = 0
    /// Samples read from storage into selector results and windows (the query's total).
    var samplesLoaded = 0
    /// When the query must give up.
    let deadline: ContinuousClock.Instant
    /// The amortised deadline check of the loops the evaluator runs on the query's task.
    var interrupts: InterruptCheck
    /// The query's evaluation range, for `@ start()` / `@ end()`.
    let queryStart: Int64
    /// See `queryStart`.
    let queryEnd: Int64

    /// Starts the clock of a query over `[queryStart, queryEnd]`.
    init(options: EngineOptions, storage: any Queryable, tenant: TenantID, queryStart: Int64, queryEnd: Int64) {
        self.options = options
        self.storage = storage
        self.tenant = tenant
        self.queryStart = queryStart
        self.queryEnd = queryEnd
        let deadline = ContinuousClock.now.advanced(by: options.timeout)
        self.deadline = deadline
        interrupts = InterruptCheck(deadline: deadline)
    }

    /// Throws when the query was canceled or ran past its timeout. Reads the clock: called once
    /// per node or storage call; loops call `tick` instead.
    func checkInterrupted() throws(QueryError) {
        try interrupts.check()
    }

    /// Records `work` units of a loop's work and, every `InterruptCheck.interval` units,
    /// throws when the query was canceled or ran past its timeout.
    @inline(__always)
    func tick(_ work: Int = 1) throws(QueryError) {
        try interrupts.tick(work)
    }

    /// Throws when `n` more samples would exceed the per-query limit.
    @inline(__always)
    func checkSamples(_ n: Int) throws(QueryError) {
        if n > options.maxSamples &- currentSamples { throw .tooManySamples(limit: options.maxSamples) }
    }

    /// Resolves an `@` modifier to a timestamp.
    func resolve(_ at: AtModifier?) -> Int64? {
        switch at {
        case .none: return nil
        case .timestamp(let t): return t
        case .start: return queryStart
        case .end: return queryEnd
        }
    }

    /// Reads the series `matchers` select in `[mint, maxt]`, mapping storage failures.
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) async throws(QueryError) -> [QuerySeries] {
        try checkInterrupted()
        do {
            return try await storage.select(SelectRequest(tenant: tenant, minTime: mint, maxTime: maxt, matchers: matchers))
        } catch let e as QueryError {
            throw e
        } catch is CancellationError {
            throw .canceled("expression evaluation")
        } catch {
            throw .storage(String(describing: error))
        }
    }
}

/// A `Duration` as whole milliseconds (the unit of every PromQL timestamp).
@inline(__always)
func milliseconds(_ d: Duration) -> Int64 {
    let (seconds, attoseconds) = d.components
    let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    // The parser keeps durations within ±9.2e15 ms; saturate anything built otherwise.
    if overflow { return seconds < 0 ? Int64.min / 2 : Int64.max / 2 }
    return ms &+ attoseconds / 1_000_000_000_000_000
}
