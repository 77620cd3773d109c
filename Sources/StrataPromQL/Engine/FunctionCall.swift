import StrataModel

/// Per-step state handed to a function implementation, as Prometheus's `EvalNodeHelper`.
///
/// One helper lives per call node and is reused across steps, so implementations may keep
/// caches in it (for example label sets they computed for a series) instead of reallocating.
public struct EvalNodeHelper: Sendable {
    /// The evaluation time of this step, ms.
    public var ts: Int64
    /// Output buffer to append to; cleared by the engine before each step.
    public var out: Vector = []
    /// Cache of output labels keyed by input labels, for functions that rewrite labels.
    public var labelCache: [Labels: Labels] = [:]
    /// The classic-histogram functions' view of each bucket series seen so far, so a step hashes
    /// a series' labels once and parses no `le` (see `ClassicHistogram.groups`).
    var bucketSeries: [Labels: ClassicHistogram.BucketSeries] = [:]
    /// The histograms (labels without `le`) seen so far, indexed by `BucketSeries.histogram`.
    var histogramKeys: [Labels] = []
    /// `histogramKeys`' indices by labels.
    var histogramIndex: [Labels: Int] = [:]

    /// Creates a helper for a step.
    public init(ts: Int64) {
        self.ts = ts
    }
}

/// The arguments a function sees at one step.
///
/// Instant-vector arguments are evaluated at the step (`vectors[i]` for argument `i`; scalars come
/// as one-element vectors with empty labels, strings are read from `exprs`). For the (at most one)
/// range-vector argument, `window` holds the samples of a single series in the window ending at
/// the step, and the function is called once per series.
public struct FunctionArgs: Sendable {
    /// Argument `i` evaluated at this step when it is an instant vector or scalar; empty otherwise.
    public var vectors: [Vector]
    /// The one series' window of the range-vector argument (empty matrix when there is none).
    public var window: Matrix
    /// The call's argument expressions, for string arguments and for `absent`'s labels.
    public var exprs: [Expr]
    /// Start of the window (exclusive), ms; set for range-vector functions.
    public var rangeStart: Int64
    /// End of the window (inclusive), ms: the step time minus offset, or the `@` time.
    public var rangeEnd: Int64

    /// Creates arguments.
    public init(vectors: [Vector], window: Matrix, exprs: [Expr], rangeStart: Int64 = 0, rangeEnd: Int64 = 0) {
        self.vectors = vectors
        self.window = window
        self.exprs = exprs
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
    }
}

/// A function's implementation: appends its result for one step to `enh.out` and returns it.
///
/// Mirrors Prometheus's `FunctionCall`; errors are `QueryError.execution` (or `.badData`
/// for invalid parameters Prometheus reports as bad data).
public typealias FunctionImplementation = @Sendable (
    _ args: FunctionArgs, _ enh: inout EvalNodeHelper, _ annotations: inout Annotations
) throws(QueryError) -> Vector
