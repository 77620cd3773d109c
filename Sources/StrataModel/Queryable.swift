/// One series returned by a `Queryable`: its labels and its chunks in time order.
public struct QuerySeries: Sendable, Equatable {
    /// The series' labels.
    public var labels: Labels
    /// Chunks overlapping the requested range, ordered by `minTime`. Chunks may extend past the
    /// range: callers clip to the range they asked for.
    public var chunks: [EncodedChunk]

    /// Creates a series.
    public init(labels: Labels, chunks: [EncodedChunk]) {
        self.labels = labels
        self.chunks = chunks
    }
}

/// What to select: a tenant, a closed time range in ms, and matchers that must all match.
public struct SelectRequest: Sendable {
    /// The tenant whose data is read.
    public var tenant: TenantID
    /// Inclusive lower bound, ms.
    public var minTime: Int64
    /// Inclusive upper bound, ms.
    public var maxTime: Int64
    /// All must match; an empty list selects nothing (as Prometheus requires one matcher).
    public var matchers: [LabelMatcher]

    /// Creates a request.
    public init(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) {
        self.tenant = tenant
        self.minTime = minTime
        self.maxTime = maxTime
        self.matchers = matchers
    }
}

/// The read seam of Strata: anything that can answer "which series match, with which chunks".
///
/// The ingester's head implements it now; store-gateways, the querier's merge of both, and the
/// PromQL engine's storage all speak it, so PromQL never learns where data lives.
public protocol Queryable: Sendable {
    /// Series matching every matcher with at least one sample in the range, sorted by labels.
    func select(_ request: SelectRequest) async throws -> [QuerySeries]

    /// Sorted label names of series matching `matchers` (all series if empty) within the range.
    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String]

    /// Sorted values of label `name` among series matching `matchers` within the range.
    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String]
}
