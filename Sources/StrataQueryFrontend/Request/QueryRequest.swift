import StrataModel

/// One PromQL evaluation as the query-frontend hands it to a querier: an instant query at
/// `start`, or a range query from `start` to `end` every `step`.
///
/// It is the unit the frontend splits, shards, caches and queues; a querier runs it with its
/// engine and answers a `QueryResponse`.
public struct QueryRequest: Sendable, Equatable {
    /// What the querier is asked.
    public enum Kind: UInt8, Sendable {
        /// `/query`: evaluate at `start`.
        case instant = 1
        /// `/query_range`: evaluate from `start` to `end` every `step`.
        case range = 2
        /// `/series`: the label sets of series matching any of `selectors` in `[start, end]`.
        case series = 3
        /// `/labels`: label names of series matching any of `selectors` (all series if none).
        case labelNames = 4
        /// `/label/<labelName>/values`: values of `labelName` among matching series.
        case labelValues = 5
        /// `/query_exemplars`: exemplars in `[start, end]` of series matching any of `selectors`
        /// (the selectors of the client's query).
        case exemplars = 6
        /// `/metadata`: metric metadata, of `metric` alone when set, at most `limit` metrics
        /// (negative = all) and `limitPerMetric` entries each (0 or negative = all).
        case metadata = 7
    }

    /// Instant or range.
    public var kind: Kind
    /// The tenants read; several for a federated query (`a|b`).
    public var tenants: [TenantID]
    /// The PromQL text.
    public var query: String
    /// First evaluation time, ms (the time of an instant query).
    public var start: Int64
    /// Last evaluation time, ms (equal to `start` for an instant query).
    public var end: Int64
    /// Step between evaluations, ms; 0 for an instant query.
    public var step: Int64
    /// The request's own `timeout`, ms; 0 keeps the querier's `-querier.timeout`.
    public var timeoutMs: Int64
    /// The request's `lookback_delta`, ms; 0 keeps the querier's.
    public var lookbackDeltaMs: Int64
    /// The request's `max_source_resolution` as written; empty keeps the querier's default.
    public var maxSourceResolution: String
    /// Whether the response should carry statistics (`stats=all`).
    public var stats: Bool
    /// `match[]` selectors of a series or label request, as PromQL text.
    public var selectors: [String] = []
    /// The label of a label-values request.
    public var labelName = ""
    /// The metric family name of a metadata request; empty for all metrics.
    public var metric = ""
    /// Metrics a metadata request answers at most; negative = all, 0 = none (as Prometheus).
    public var limit: Int64 = -1
    /// Entries per metric a metadata request answers at most; 0 or negative = all.
    public var limitPerMetric: Int64 = 0

    /// Creates a request.
    public init(kind: Kind, tenants: [TenantID], query: String, start: Int64, end: Int64, step: Int64,
                timeoutMs: Int64 = 0, lookbackDeltaMs: Int64 = 0, maxSourceResolution: String = "", stats: Bool = false) {
        self.kind = kind
        self.tenants = tenants
        self.query = query
        self.start = start
        self.end = end
        self.step = step
        self.timeoutMs = timeoutMs
        self.lookbackDeltaMs = lookbackDeltaMs
        self.maxSourceResolution = maxSourceResolution
        self.stats = stats
    }

    /// The tenants as one string, `a|b` (sorted as Mimir joins them), for keys and logs.
    public var tenantKey: String { tenants.map(\.description).sorted().joined(separator: "|") }

    /// This request with another query text.
    public func with(query: String) -> QueryRequest {
        var copy = self
        copy.query = query
        return copy
    }

    /// This request over another range.
    public func with(start: Int64, end: Int64) -> QueryRequest {
        var copy = self
        copy.start = start
        copy.end = end
        return copy
    }
}
