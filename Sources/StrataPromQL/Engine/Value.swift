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

/// One element of an instant vector: a labelled value at a time.
public struct VectorSample: Sendable, Equatable {
    /// The series labels (may still carry `__name__` while `dropName` is set).
    public var metric: Labels
    /// Evaluation timestamp, ms.
    public var t: Int64
    /// The value.
    public var f: Double
    /// Prometheus 3's delayed name removal: the name is dropped when the result leaves the
    /// engine (or before a label-changing function that needs it gone), not at the operation.
    public var dropName: Bool

    /// Creates a sample.
    @inlinable
    public init(metric: Labels, t: Int64, f: Double, dropName: Bool = false) {
        self.metric = metric
        self.t = t
        self.f = f
        self.dropName = dropName
    }
}

/// An instant vector: at most one sample per label set.
public typealias Vector = [VectorSample]

/// One series of a range vector or of a range query result.
public struct SeriesResult: Sendable, Equatable {
    /// The series labels.
    public var metric: Labels
    /// Points in time order.
    public var floats: [FPoint]
    /// See `VectorSample.dropName`.
    public var dropName: Bool

    /// Creates a series.
    @inlinable
    public init(metric: Labels, floats: [FPoint], dropName: Bool = false) {
        self.metric = metric
        self.floats = floats
        self.dropName = dropName
    }
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
