import GRPCCore

// The cardinality messages of `strata.Ingester` (docs/format/rpc.md#cardinality): field numbers,
// message names, methods and the bounds a server puts on what a caller may ask.

/// `strata.CardinalityRequest`: the request of CardinalityIndex and ActiveSeries.
enum CardinalityRequestField {
    /// string: the tenant ID.
    static let tenant = 1
    /// repeated `strata.Matcher`: all must match; none selects every series.
    static let matchers = 2
    /// repeated string: the label names to count (CardinalityIndex; none: every name).
    static let labelNames = 3
    /// int64: the most series to answer (ActiveSeries; 1…`CardinalityRPCLimits.maxActiveSeries`).
    static let limit = 4
    /// int64: the caller's remaining time, ms (0 or absent: `RPCDefaults.readTimeout`).
    static let timeoutMs = 5
}

/// `strata.CardinalityIndexResponse`.
enum CardinalityIndexResponseField {
    /// int64: series matching the selector.
    static let numSeries = 1
    /// int64: chunks of the whole head.
    static let chunkCount = 2
    /// int64: oldest sample of the head, ms (0: none).
    static let minTime = 3
    /// int64: newest sample of the head, ms (0: none).
    static let maxTime = 4
    /// repeated `strata.LabelIndex`.
    static let labels = 5
}

/// `strata.LabelIndex`: one label name's values with their series.
enum LabelIndexField {
    /// string: the label name.
    static let name = 1
    /// repeated `strata.ValueSeries`.
    static let values = 2
}

/// `strata.ValueSeries`: one value and the series carrying it.
enum ValueSeriesField {
    /// string
    static let value = 1
    /// int64
    static let series = 2
}

/// `strata.ActiveSeriesResponse`.
enum ActiveSeriesResponseField {
    /// repeated `strata.LabelSet`, sorted.
    static let series = 1
    /// bool: more series matched than the limit.
    static let truncated = 2
}

/// `strata.LabelSet`: one series' labels.
enum LabelSetField {
    /// repeated `strata.Label`, sorted by name.
    static let labels = 1
}

/// Names of the cardinality messages, as errors call them.
enum CardinalityMessageName {
    static let request = "strata.CardinalityRequest"
    static let indexResponse = "strata.CardinalityIndexResponse"
    static let labelIndex = "strata.LabelIndex"
    static let valueSeries = "strata.ValueSeries"
    static let activeSeriesResponse = "strata.ActiveSeriesResponse"
    static let labelSet = "strata.LabelSet"
}

/// What a server accepts in a `strata.CardinalityRequest` (the HTTP API's own bounds, so a
/// querier never asks more than its clients may) and the longest it works on one.
public enum CardinalityRPCLimits {
    /// Most label names of one CardinalityIndex request (`label_values`' `label_names[]` bound).
    public static let maxLabelNames = 100
    /// Largest ActiveSeries limit (`active_series`' `limit` bound).
    public static let maxActiveSeries = 500_000
    /// Longest a server works on one call, whatever the caller's timeout says.
    public static let maxTimeout: Duration = .seconds(600)
}

extension StrataRPCMethods {
    /// `strata.Ingester/CardinalityIndex` (unary): `CardinalityRequest` → `CardinalityIndexResponse`.
    public static let cardinalityIndex = MethodDescriptor(service: ingesterService, method: "CardinalityIndex", type: .unary)
    /// `strata.Ingester/ActiveSeries` (unary): `CardinalityRequest` → `ActiveSeriesResponse`.
    public static let activeSeries = MethodDescriptor(service: ingesterService, method: "ActiveSeries", type: .unary)
}
