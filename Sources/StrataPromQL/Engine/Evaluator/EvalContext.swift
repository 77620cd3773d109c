import StrataChunks
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

    /// Resolutions (ms) of the data selectors read, 0 for raw samples; reported in `infos`.
    var resolutionsRead = Set<Int64>()

    /// The coarsest resolution a selector read as `view` (nil: raw only) may use at evaluation
    /// `step` (1 or less: an instant evaluation) over `range` (0: an instant selector).
    func maxResolution(view: AggregateView?, step: Int64, range: Int64) -> Int64 {
        guard view != nil else { return 0 }
        return options.sourceResolution.maxResolution(step: step > 1 ? step : 0, range: range)
    }

    /// Reads the series `matchers` select in `[mint, maxt]`, from downsampled data up to
    /// `maxResolution` where the stores have it, turned into chunks of `view` (XOR, or float
    /// histogram for native histograms). Returns whether any series came from downsampled data
    /// (then every series is in the view).
    func selectReading(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, view: AggregateView?,
                       maxResolution: Int64) async throws(QueryError) -> (series: [QuerySeries], downsampled: Bool) {
        guard let view, maxResolution > 0 else {
            return (try await select(matchers, mint: mint, maxt: maxt), false)
        }
        var series = try await select(matchers, mint: mint, maxt: maxt, maxResolution: maxResolution)
        guard series.contains(where: { $0.resolution > 0 }) else { return (series, false) }
        for i in series.indices {
            try tick(series[i].chunks.count)
            do {
                series[i].chunks = try view.chunks(from: series[i].chunks, resolution: series[i].resolution)
            } catch {
                throw .storage("downsampled series \(series[i].labels): \(error)")
            }
        }
        return (series, true)
    }

    /// Reads the series `matchers` select in `[mint, maxt]`, mapping storage failures. With a
    /// `maxResolution` the answer may hold `.aggregate` chunks (see `selectReading`).
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, maxResolution: Int64 = 0) async throws(QueryError) -> [QuerySeries] {
        try checkInterrupted()
        do {
            let series = try await storage.select(SelectRequest(tenant: tenant, minTime: mint, maxTime: maxt, matchers: matchers,
                                                                maxResolution: maxResolution))
            for s in series { resolutionsRead.insert(s.resolution) }
            if maxResolution == 0, series.contains(where: { $0.resolution > 0 }) {
                throw QueryError.storage("a store answered a raw read with downsampled data")
            }
            return series
        } catch let e as QueryError {
            throw e
        } catch is CancellationError {
            throw .canceled("expression evaluation")
        } catch let e as QueryShardError {
            // A malformed `__query_shard__` matcher is the query's fault, not the store's.
            throw .badData(e.description)
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
