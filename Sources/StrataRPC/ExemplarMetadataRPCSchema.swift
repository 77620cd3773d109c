import GRPCCore
import StrataModel

// The exemplar and metadata reads of `strata.Ingester` (docs/format/rpc.md#exemplars-and-metadata):
// field numbers, message names and methods.

/// `strata.ExemplarsRequest`.
enum ExemplarsRequestField {
    /// string: the tenant ID.
    static let tenant = 1
    /// int64: inclusive lower bound of the exemplars' timestamps, ms.
    static let start = 2
    /// int64: inclusive upper bound, ms.
    static let end = 3
    /// repeated `strata.MatcherSet`: a series matches when it matches any set.
    static let matcherSets = 4
}

/// `strata.MatcherSet`: matchers that must all match.
enum MatcherSetField {
    /// repeated `strata.Matcher`.
    static let matchers = 1
}

/// `strata.ExemplarsResponse`.
enum ExemplarsResponseField {
    /// repeated `strata.SeriesExemplars`, by series labels.
    static let series = 1
}

/// `strata.SeriesExemplars`: one series and its exemplars.
enum SeriesExemplarsField {
    /// repeated `strata.Label`, sorted by name.
    static let labels = 1
    /// repeated `strata.Exemplar`, oldest first.
    static let exemplars = 2
}

/// `strata.Exemplar`.
enum ExemplarRPCField {
    /// repeated `strata.Label`: the exemplar's own labels (e.g. `trace_id`).
    static let labels = 1
    /// double (fixed64).
    static let value = 2
    /// int64: ms since the epoch.
    static let timestamp = 3
}

/// `strata.MetadataRequest`.
enum MetadataRequestField {
    /// string: the tenant ID.
    static let tenant = 1
    /// string: one metric family name (absent or empty: every metric).
    static let metric = 2
    /// int64: the most metrics to answer (absent or 0: all).
    static let limit = 3
    /// int64: the most entries per metric (absent or 0: all).
    static let limitPerMetric = 4
}

/// `strata.MetadataResponse`.
enum MetadataResponseField {
    /// repeated `strata.MetricMetadataList`, by metric name.
    static let metrics = 1
}

/// `strata.MetricMetadataList`: one metric family's entries.
enum MetricMetadataListField {
    /// string: the metric family name.
    static let metric = 1
    /// repeated `strata.MetricMetadataEntry`, oldest first.
    static let entries = 2
}

/// `strata.MetricMetadataEntry`.
enum MetricMetadataEntryField {
    /// enum: remote write's `MetricType` numbers (0 unknown, 1 counter, 2 gauge, 3 histogram,
    /// 4 gaugehistogram, 5 summary, 6 info, 7 stateset).
    static let type = 1
    /// string
    static let help = 2
    /// string
    static let unit = 3
}

/// Names of the exemplar and metadata messages, as errors call them.
enum ExemplarMetadataMessageName {
    static let exemplarsRequest = "strata.ExemplarsRequest"
    static let matcherSet = "strata.MatcherSet"
    static let exemplarsResponse = "strata.ExemplarsResponse"
    static let seriesExemplars = "strata.SeriesExemplars"
    static let exemplar = "strata.Exemplar"
    static let metadataRequest = "strata.MetadataRequest"
    static let metadataResponse = "strata.MetadataResponse"
    static let metricMetadataList = "strata.MetricMetadataList"
    static let metricMetadataEntry = "strata.MetricMetadataEntry"
}

extension StrataRPCMethods {
    /// `strata.Ingester/Exemplars` (unary): `ExemplarsRequest` → `ExemplarsResponse`.
    public static let exemplars = MethodDescriptor(service: ingesterService, method: "Exemplars", type: .unary)
    /// `strata.Ingester/Metadata` (unary): `MetadataRequest` → `MetadataResponse`.
    public static let metadata = MethodDescriptor(service: ingesterService, method: "Metadata", type: .unary)
}

/// What `strata.Ingester/Exemplars` asks.
struct ExemplarsCall: Sendable {
    var tenant: TenantID
    var start: Int64
    var end: Int64
    var matcherSets: [[LabelMatcher]]
}

/// What `strata.Ingester/Metadata` asks: limits are 0 for "all".
struct MetadataCall: Sendable, Equatable {
    var tenant: TenantID
    var metric: String?
    var limit: Int
    var limitPerMetric: Int
}

/// One metric's entries in a `strata.MetadataResponse`.
struct MetricMetadataList: Sendable, Equatable {
    var metric: String
    var entries: [MetricMetadata]
}
