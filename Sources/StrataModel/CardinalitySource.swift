/// The seam between the cardinality API and whatever holds a tenant's in-memory series (the
/// ingester's heads): label, value and metric-name statistics over the series held now.
///
/// The ingester implements it in-process; a querier's `RingReplicasCardinalitySource` merges
/// every ingester of the ring over gRPC. The HTTP layer only knows this protocol. Every method
/// reads one tenant; an unknown tenant has no series and answers empty statistics. Loops over
/// all series check `request.deadline` and task cancellation.
public protocol CardinalitySource: Sendable {
    /// Label names of the series matching `request.matchers` (every series when empty), with the
    /// number of distinct values of each; `request.limit` names, most values first.
    func labelNamesCardinality(_ request: CardinalityRequest) async throws -> LabelNamesCardinality

    /// For each of `labelNames`, the number of series and of distinct values among the series
    /// matching `request.matchers`, and its `request.limit` values with the most series.
    func labelValuesCardinality(_ request: CardinalityRequest, labelNames: [String]) async throws -> LabelValuesCardinality

    /// The label sets of the series matching `request.matchers`, sorted, at most `request.limit`.
    func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries

    /// Prometheus's `/api/v1/status/tsdb` over the tenant's in-memory series: head figures and
    /// the `request.limit` largest entries of each list (`request.matchers` is ignored).
    func tsdbStatus(_ request: CardinalityRequest) async throws -> TSDBStatus

    /// Series per metric name held now (every name: a dictionary lookup per name, no series walk).
    func seriesCountByMetricName(tenant: TenantID) async throws -> [String: Int]
}

/// What a cardinality request reads: one tenant, an optional selector, a result limit and a deadline.
public struct CardinalityRequest: Sendable {
    /// The tenant whose series are read.
    public var tenant: TenantID
    /// All must match; empty selects every series.
    public var matchers: [LabelMatcher]
    /// The most entries of each list in the answer (callers bound it).
    public var limit: Int
    /// When the work gives up with `CardinalityError.timeout`.
    public var deadline: ContinuousClock.Instant

    /// Creates a request.
    public init(tenant: TenantID, matchers: [LabelMatcher] = [], limit: Int, deadline: ContinuousClock.Instant) {
        self.tenant = tenant
        self.matchers = matchers
        self.limit = limit
        self.deadline = deadline
    }
}

/// Why a cardinality computation stopped before its end.
public enum CardinalityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's deadline passed (`-querier.timeout`).
    case timeout
    /// The request was cancelled (the client went away or the server is stopping).
    case canceled

    public var description: String {
        switch self {
        case .timeout: return "the cardinality request ran past -querier.timeout; narrow it with a selector (\(ErrorID.queryTimeout.id))"
        case .canceled: return "the cardinality request was canceled"
        }
    }

    /// Throws when the task was cancelled or `deadline` has passed. Loops over all series call it
    /// every few thousand series.
    public static func check(_ deadline: ContinuousClock.Instant) throws(CardinalityError) {
        if Task.isCancelled { throw .canceled }
        if ContinuousClock.now >= deadline { throw .timeout }
    }
}

/// A name and a count: one entry of the top-N lists.
public struct NamedCount: Sendable, Equatable, Hashable {
    /// The metric name, label name or `name=value` pair.
    public var name: String
    /// Its count.
    public var value: Int

    /// Creates an entry.
    public init(name: String, value: Int) {
        self.name = name
        self.value = value
    }
}

/// `cardinality/label_names` (Mimir's shape).
public struct LabelNamesCardinality: Sendable, Equatable {
    /// Distinct values summed over every label name (not only the listed ones).
    public var labelValuesCountTotal: Int
    /// Label names in the selected series.
    public var labelNamesCount: Int
    /// Label names with their distinct value counts: most values first, then by name.
    public var cardinality: [NamedCount]

    /// Creates an answer.
    public init(labelValuesCountTotal: Int = 0, labelNamesCount: Int = 0, cardinality: [NamedCount] = []) {
        self.labelValuesCountTotal = labelValuesCountTotal
        self.labelNamesCount = labelNamesCount
        self.cardinality = cardinality
    }
}

/// One label of `cardinality/label_values`.
public struct LabelCardinality: Sendable, Equatable {
    /// The label name.
    public var labelName: String
    /// Distinct values of the label among the selected series.
    public var labelValuesCount: Int
    /// Selected series carrying the label.
    public var seriesCount: Int
    /// Values with their series counts: most series first, then by value.
    public var cardinality: [NamedCount]

    /// Creates an entry.
    public init(labelName: String, labelValuesCount: Int = 0, seriesCount: Int = 0, cardinality: [NamedCount] = []) {
        self.labelName = labelName
        self.labelValuesCount = labelValuesCount
        self.seriesCount = seriesCount
        self.cardinality = cardinality
    }
}

/// `cardinality/label_values` (Mimir's shape).
public struct LabelValuesCardinality: Sendable, Equatable {
    /// Series matching the selector.
    public var seriesCountTotal: Int
    /// One entry per requested label name: most series first, then by name.
    public var labels: [LabelCardinality]

    /// Creates an answer.
    public init(seriesCountTotal: Int = 0, labels: [LabelCardinality] = []) {
        self.seriesCountTotal = seriesCountTotal
        self.labels = labels
    }
}

/// `cardinality/active_series`: label sets, sorted.
public struct ActiveSeries: Sendable, Equatable {
    /// The series, sorted by labels.
    public var series: [Labels]
    /// More series matched than the request's limit.
    public var truncated: Bool

    /// Creates an answer.
    public init(series: [Labels] = [], truncated: Bool = false) {
        self.series = series
        self.truncated = truncated
    }
}

/// Prometheus's `/api/v1/status/tsdb` data over a tenant's in-memory series.
public struct TSDBStatus: Sendable, Equatable {
    /// Series held.
    public var numSeries: Int
    /// Distinct `name=value` pairs.
    public var numLabelPairs: Int
    /// Chunks held (open chunks included).
    public var chunkCount: Int
    /// Oldest sample, ms (0 when there is none).
    public var minTime: Int64
    /// Newest sample, ms (0 when there is none).
    public var maxTime: Int64
    /// Series per metric name.
    public var seriesCountByMetricName: [NamedCount]
    /// Distinct values per label name.
    public var labelValueCountByLabelName: [NamedCount]
    /// Bytes of the label values of each name over all series (value length × series), as Prometheus.
    public var memoryInBytesByLabelName: [NamedCount]
    /// Series per `name=value` pair.
    public var seriesCountByLabelValuePair: [NamedCount]

    /// Creates an answer (empty by default).
    public init(numSeries: Int = 0, numLabelPairs: Int = 0, chunkCount: Int = 0, minTime: Int64 = 0, maxTime: Int64 = 0,
                seriesCountByMetricName: [NamedCount] = [], labelValueCountByLabelName: [NamedCount] = [],
                memoryInBytesByLabelName: [NamedCount] = [], seriesCountByLabelValuePair: [NamedCount] = []) {
        self.numSeries = numSeries
        self.numLabelPairs = numLabelPairs
        self.chunkCount = chunkCount
        self.minTime = minTime
        self.maxTime = maxTime
        self.seriesCountByMetricName = seriesCountByMetricName
        self.labelValueCountByLabelName = labelValueCountByLabelName
        self.memoryInBytesByLabelName = memoryInBytesByLabelName
        self.seriesCountByLabelValuePair = seriesCountByLabelValuePair
    }
}
