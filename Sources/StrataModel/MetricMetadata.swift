/// A metric family's type, as Prometheus's metadata API names it (`counter`, `gauge`, …).
///
/// Remote write 1.0 (`MetricMetadata.MetricType`) and 2.0 (`Metadata.MetricType`) number these
/// the same way, 0 being unknown/unspecified.
public enum MetricType: String, Sendable, Equatable, CaseIterable {
    case unknown
    case counter
    case gauge
    case histogram
    case gaugeHistogram = "gaugehistogram"
    case summary
    case info
    case stateset

    /// The type for a protobuf enum number; unknown numbers (a newer sender) are `unknown`.
    public init(protobufValue: UInt64) {
        switch protobufValue {
        case 1: self = .counter
        case 2: self = .gauge
        case 3: self = .histogram
        case 4: self = .gaugeHistogram
        case 5: self = .summary
        case 6: self = .info
        case 7: self = .stateset
        default: self = .unknown
        }
    }

    /// The protobuf enum number of the type (0 for unknown), as remote write 1.0 and Strata's RPC send it.
    public var protobufValue: UInt64 {
        switch self {
        case .unknown: 0
        case .counter: 1
        case .gauge: 2
        case .histogram: 3
        case .gaugeHistogram: 4
        case .summary: 5
        case .info: 6
        case .stateset: 7
        }
    }
}

/// Type, help and unit of one metric family, as a sender reported them.
public struct MetricMetadata: Sendable, Hashable {
    /// The metric family name (`http_requests_total`).
    public var metricFamilyName: String
    /// Its type.
    public var type: MetricType
    /// Its help text.
    public var help: String
    /// Its unit (often empty).
    public var unit: String

    /// Creates a metadata entry.
    public init(metricFamilyName: String, type: MetricType, help: String, unit: String) {
        self.metricFamilyName = metricFamilyName
        self.type = type
        self.help = help
        self.unit = unit
    }
}

/// What `/api/v1/metadata` reads: the metadata stored for a tenant, by metric name, in an
/// in-process ingester or in the ingesters of a ring (see `ExemplarQueryable`).
public protocol MetadataQueryable: Sendable {
    /// Metadata of `tenant` by metric family name, in name order: of `metric` alone when given,
    /// of at most `limit` metrics (negative = all; 0 = none, as Prometheus) and at most
    /// `limitPerMetric` entries each (0 or negative = all). Throws when the metadata cannot be
    /// read (an ingester of the ring unreachable).
    func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])]
}

/// Exemplars and metadata of one write request, decoded beside its samples (only when the
/// request carried any, so float-only traffic pays nothing for them).
public struct WriteExtras: Sendable, Equatable {
    /// Exemplars by series.
    public var exemplars: [SeriesExemplars]
    /// Metadata entries in request order.
    public var metadata: [MetricMetadata]

    /// Creates the extras of a request.
    public init(exemplars: [SeriesExemplars] = [], metadata: [MetricMetadata] = []) {
        self.exemplars = exemplars
        self.metadata = metadata
    }

    /// True when the request carried neither exemplars nor metadata.
    public var isEmpty: Bool { exemplars.isEmpty && metadata.isEmpty }

    /// Number of exemplars.
    public var exemplarCount: Int { exemplars.reduce(0) { $0 + $1.exemplars.count } }
}
