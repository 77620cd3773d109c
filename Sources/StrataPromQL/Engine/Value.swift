import StrataModel

/// One float point of a series: a timestamp in ms and a value.
///
/// The engine's own point type rather than `StrataModel.Sample`, so that evaluation results
/// (which are never staleness markers) and stored samples stay distinct in signatures.
public struct FPoint: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var t: Int64
    /// The value.
    public var f: Double

    /// Creates a point.
    @inlinable
    public init(t: Int64, f: Double) {
        self.t = t
        self.f = f
    }

    /// Bitwise-aware equality: NaN equals NaN, so results can be compared in tests.
    public static func == (a: FPoint, b: FPoint) -> Bool {
        a.t == b.t && (a.f == b.f || (a.f.isNaN && b.f.isNaN))
    }
}

/// One native-histogram point of a series: a timestamp in ms and a float histogram
/// (Prometheus's `HPoint`).
public struct HPoint: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var t: Int64
    /// The histogram.
    public var h: FloatHistogram

    /// Creates a point.
    @inlinable
    public init(t: Int64, h: FloatHistogram) {
        self.t = t
        self.h = h
    }

    /// Bitwise-aware equality (NaN sums equal), so results can be compared in tests.
    public static func == (a: HPoint, b: HPoint) -> Bool {
        a.t == b.t && a.h.isIdentical(to: b.h)
    }
}

/// One element of an instant vector: a labelled value at a time.
///
/// A sample is a float (`h == nil`, the value in `f`) or a native histogram (`h`, then `f` is
/// unused), as Prometheus's `Sample{F, H}`. The histogram is kept behind one reference
/// (`HistogramBox`), so a float sample stays as small as before histograms existed and costs no
/// allocation: vectors of floats are copied and scanned at every step of every operation.
public struct VectorSample: Sendable, Equatable {
    /// The series labels (may still carry `__name__` while `dropName` is set).
    public var metric: Labels
    /// Evaluation timestamp, ms.
    public var t: Int64
    /// The value of a float sample.
    public var f: Double
    /// The histogram of a histogram sample, boxed (see the type's comment).
    @usableFromInline var box: HistogramBox?
    /// The value of a histogram sample; nil for a float sample.
    @inlinable
    public var h: FloatHistogram? {
        get { box?.value }
        set { box = newValue.map(HistogramBox.init) }
    }
    /// Prometheus 3's delayed name removal: the name is dropped when the result leaves the
    /// engine (or before a label-changing function that needs it gone), not at the operation.
    public var dropName: Bool

    /// Creates a float sample.
    @inlinable
    public init(metric: Labels, t: Int64, f: Double, dropName: Bool = false) {
        self.metric = metric
        self.t = t
        self.f = f
        self.box = nil
        self.dropName = dropName
    }

    /// Creates a histogram sample.
    @inlinable
    public init(metric: Labels, t: Int64, h: FloatHistogram, dropName: Bool = false) {
        self.metric = metric
        self.t = t
        self.f = 0
        self.box = HistogramBox(h)
        self.dropName = dropName
    }

    /// Float samples compare their values (NaN equals NaN), histogram samples their histograms.
    public static func == (a: VectorSample, b: VectorSample) -> Bool {
        guard a.metric == b.metric, a.t == b.t, a.dropName == b.dropName else { return false }
        switch (a.h, b.h) {
        case (nil, nil): return a.f == b.f || (a.f.isNaN && b.f.isNaN)
        case (let x?, let y?): return x.isIdentical(to: y)
        default: return false
        }
    }
}

/// An immutable native histogram behind a reference, for `VectorSample`.
public final class HistogramBox: Sendable {
    /// The histogram.
    public let value: FloatHistogram

    /// Boxes `value`.
    @inlinable
    public init(_ value: FloatHistogram) {
        self.value = value
    }
}

/// An instant vector: at most one sample per label set.
public typealias Vector = [VectorSample]

/// One series of a range vector or of a range query result.
public struct SeriesResult: Sendable, Equatable {
    /// The series labels.
    public var metric: Labels
    /// Float points in time order.
    public var floats: [FPoint]
    /// Native-histogram points in time order; a series may hold both kinds, never both at
    /// one timestamp (Prometheus's `Series{Floats, Histograms}`).
    public var histograms: [HPoint]
    /// See `VectorSample.dropName`.
    public var dropName: Bool

    /// Creates a series.
    @inlinable
    public init(metric: Labels, floats: [FPoint], histograms: [HPoint] = [], dropName: Bool = false) {
        self.metric = metric
        self.floats = floats
        self.histograms = histograms
        self.dropName = dropName
    }

    /// True when the series has no point of either kind.
    @inlinable
    public var isEmpty: Bool { floats.isEmpty && histograms.isEmpty }
}

/// A range vector, or the result of a range query: one series per label set.
public typealias Matrix = [SeriesResult]

/// The value of a query, in the four shapes of the Prometheus API's `resultType`.
public enum QueryValue: Sendable, Equatable {
    /// `resultType: scalar` — a time and a value.
    case scalar(t: Int64, f: Double)
    /// `resultType: string` — a time and a string.
    case string(t: Int64, value: String)
    /// `resultType: vector` — an instant query's vector.
    case vector(Vector)
    /// `resultType: matrix` — a range query's (or a range selector's) series.
    case matrix(Matrix)

    /// The API's `resultType` name.
    public var resultType: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }
}

/// What a query returns: its value and the annotations Prometheus reports next to it.
public struct QueryResult: Sendable {
    /// The value.
    public var value: QueryValue
    /// Warnings and infos, in the order first raised.
    public var annotations: Annotations
    /// Samples loaded from storage while evaluating (the figure `max-samples` limits).
    public var samplesLoaded: Int
    /// Resolutions (ms, coarsest first; 0 = raw samples) of the data the selectors read.
    public var resolutions: [Int64]

    /// Creates a result.
    public init(value: QueryValue, annotations: Annotations = Annotations(), samplesLoaded: Int = 0, resolutions: [Int64] = []) {
        self.value = value
        self.annotations = annotations
        self.samplesLoaded = samplesLoaded
        self.resolutions = resolutions
    }
}
