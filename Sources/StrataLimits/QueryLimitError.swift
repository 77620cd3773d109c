import StrataModel

/// A query refused by a per-tenant query limit, with Mimir's texts (`err-mimir-` becomes
/// `err-strata-`): each message names the limit's flag and what to do instead.
public enum QueryLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More unique series than `max_fetched_series_per_query`.
    case maxSeries(limit: Int)
    /// More chunk bytes than `max_fetched_chunk_bytes_per_query`.
    case maxChunkBytes(limit: Int)
    /// One selector's storage range longer than `max_partial_query_length`.
    case maxQueryLength(length: Duration, limit: Duration)
    /// A range query longer (end − start) than `max_total_query_length`.
    case maxTotalQueryLength(length: Duration, limit: Duration)

    /// `-querier.max-fetched-series-per-query`, without the dash.
    public static let maxFetchedSeriesFlag = "querier.max-fetched-series-per-query"
    /// `-querier.max-fetched-chunk-bytes-per-query`, without the dash.
    public static let maxFetchedChunkBytesFlag = "querier.max-fetched-chunk-bytes-per-query"
    /// `-querier.max-partial-query-length`, without the dash.
    public static let maxPartialQueryLengthFlag = "querier.max-partial-query-length"
    /// `-query-frontend.max-total-query-length`, without the dash.
    public static let maxTotalQueryLengthFlag = "query-frontend.max-total-query-length"

    /// Mimir's advice for the cardinality limits.
    static let cardinalityStrategy = "Consider reducing the time range and/or number of series selected by the query. One way to reduce the number of selected series is to add more label matchers to the query"

    /// The immutable ID the message carries.
    public var errorID: ErrorID {
        switch self {
        case .maxSeries: return .maxSeriesPerQuery
        case .maxChunkBytes: return .maxChunkBytesPerQuery
        case .maxQueryLength: return .maxQueryLength
        case .maxTotalQueryLength: return .maxTotalQueryLength
        }
    }

    /// The client-facing message.
    public var description: String {
        switch self {
        case .maxSeries(let limit):
            return Self.withStrategy("the query exceeded the maximum number of series (limit: \(limit) series)",
                                     id: errorID, flag: Self.maxFetchedSeriesFlag)
        case .maxChunkBytes(let limit):
            return Self.withStrategy("the query exceeded the aggregated chunks size limit (limit: \(limit) bytes)",
                                     id: errorID, flag: Self.maxFetchedChunkBytesFlag)
        case .maxQueryLength(let length, let limit):
            return Self.perTenant("the query time range exceeds the limit (query length: \(GoDuration.formatGo(length)), limit: \(GoDuration.formatGo(limit)))",
                                  id: errorID, flag: Self.maxPartialQueryLengthFlag)
        case .maxTotalQueryLength(let length, let limit):
            return Self.perTenant("the total query time range exceeds the limit (query length: \(GoDuration.formatGo(length)), limit: \(GoDuration.formatGo(limit)))",
                                  id: errorID, flag: Self.maxTotalQueryLengthFlag)
        }
    }

    /// Mimir's `MessageWithPerTenantLimitConfig`.
    private static func perTenant(_ message: String, id: ErrorID, flag: String) -> String {
        "\(message) (\(id.id)). To adjust the related per-tenant limit, configure -\(flag), or contact your service administrator."
    }

    /// Mimir's `MessageWithStrategyAndPerTenantLimitConfig`.
    private static func withStrategy(_ message: String, id: ErrorID, flag: String) -> String {
        "\(message) (\(id.id)). \(cardinalityStrategy). Otherwise, to adjust the related per-tenant limit, configure -\(flag), or contact your service administrator."
    }
}
