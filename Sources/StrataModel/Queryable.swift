/// One series returned by a `Queryable`: its labels and its chunks in time order.
public struct QuerySeries: Sendable, Equatable {
    /// The series' labels.
    public var labels: Labels
    /// Chunks overlapping the requested range, ordered by `minTime`. Chunks may extend past the
    /// range: callers clip to the range they asked for. Downsampled data comes as `.aggregate`
    /// chunks, only when the request allowed it (`SelectRequest.maxResolution`).
    public var chunks: [EncodedChunk]
    /// The coarsest downsampling resolution (ms) among the chunks; 0 when all are raw samples.
    public var resolution: Int64

    /// Creates a series.
    public init(labels: Labels, chunks: [EncodedChunk], resolution: Int64 = 0) {
        self.labels = labels
        self.chunks = chunks
        self.resolution = resolution
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
    /// The coarsest downsampling resolution (ms) the caller can read: 0 asks for raw samples
    /// only; 300000 or 3600000 let a store answer from 5m or 1h blocks (as `.aggregate` chunks)
    /// where it has them, and from finer data elsewhere. Stores without downsampled data ignore it.
    public var maxResolution: Int64

    /// Creates a request.
    public init(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher], maxResolution: Int64 = 0) {
        self.tenant = tenant
        self.minTime = minTime
        self.maxTime = maxTime
        self.matchers = matchers
        self.maxResolution = maxResolution
    }

    /// This request over another time range.
    public func with(minTime: Int64, maxTime: Int64) -> SelectRequest {
        var copy = self
        copy.minTime = minTime
        copy.maxTime = maxTime
        return copy
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
