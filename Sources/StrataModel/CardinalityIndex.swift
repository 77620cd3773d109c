/// One replica's share of a tenant's in-memory series as the cardinality API merges it across
/// the ingester ring: series per `name=value` pair, plus head-wide figures.
///
/// Series counts add up over replicas (each series is on replication-factor ingesters) and
/// value sets unite, so the merge of every ingester's index, divided by the replication factor,
/// answers `label_names`, `label_values` and `status/tsdb` as one head holding every series
/// would, up to replicas that missed a write (Mimir's approximation).
public struct CardinalityIndex: Sendable, Equatable {
    /// Series matching the request's selector (every series without one).
    public var numSeries: Int
    /// Chunks held by the whole head (open chunks included), whatever the selector.
    public var chunkCount: Int
    /// Oldest sample of the whole head, ms; 0 when it holds none.
    public var minTime: Int64
    /// Newest sample of the whole head, ms; 0 when it holds none.
    public var maxTime: Int64
    /// Label name → value → series carrying that pair, among the selected series (restricted to
    /// the requested label names when some were named).
    public var labels: [String: [String: Int]]

    /// Creates an index (empty by default).
    public init(numSeries: Int = 0, chunkCount: Int = 0, minTime: Int64 = 0, maxTime: Int64 = 0,
                labels: [String: [String: Int]] = [:]) {
        self.numSeries = numSeries
        self.chunkCount = chunkCount
        self.minTime = minTime
        self.maxTime = maxTime
        self.labels = labels
    }
}

/// What one ingester answers to the cardinality API of a querier: its index and its active
/// series. The ingester implements it in-process and serves it over gRPC; the querier reads
/// every ingester of the ring through it (`RingReplicasCardinalitySource`).
public protocol CardinalityReplica: Sendable {
    /// The series per `name=value` pair among the series matching `request.matchers`, for the
    /// label names in `labelNames` (every name when empty). `request.limit` is ignored.
    func cardinalityIndex(_ request: CardinalityRequest, labelNames: [String]) async throws -> CardinalityIndex

    /// The label sets of the series matching `request.matchers`, sorted, at most `request.limit`.
    func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries
}
