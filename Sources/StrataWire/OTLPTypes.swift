/// OTLP metrics as Strata reads them: the parts of opentelemetry-proto's
/// `ExportMetricsServiceRequest` that the Prometheus translation uses.
///
/// Both decoders (protobuf and OTLP/JSON) produce these values, so the translation has one input
/// whatever the body's encoding. Fields the translation ignores (descriptions, scope attributes,
/// exemplars, schema URLs, min/max) are skipped by the decoders and have no field here.
public struct OTLPMetricsRequest: Sendable, Equatable {
    /// `resource_metrics`.
    public var resources: [OTLPResourceMetrics]

    /// Creates a request.
    public init(resources: [OTLPResourceMetrics] = []) { self.resources = resources }

    /// Every data point of every metric, for the partial-success count.
    public var dataPointCount: Int {
        var n = 0
        for r in resources { for s in r.scopes { for m in s.metrics { n += m.data.pointCount } } }
        return n
    }
}

/// One attribute: a key and its value rendered as text (see `OTLPAnyValue`).
public struct OTLPAttribute: Sendable, Equatable {
    /// The attribute key.
    public var key: String
    /// The value as the Prometheus translation renders it into a label value.
    public var value: String

    /// Creates an attribute.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// `ResourceMetrics`: the resource's attributes and its scopes.
public struct OTLPResourceMetrics: Sendable, Equatable {
    /// `resource.attributes`.
    public var attributes: [OTLPAttribute]
    /// `scope_metrics`.
    public var scopes: [OTLPScopeMetrics]

    /// Creates resource metrics.
    public init(attributes: [OTLPAttribute] = [], scopes: [OTLPScopeMetrics] = []) {
        self.attributes = attributes
        self.scopes = scopes
    }
}

/// `ScopeMetrics`: the metrics of one instrumentation scope.
public struct OTLPScopeMetrics: Sendable, Equatable {
    /// `scope.name` (kept for messages; not a label).
    public var name: String
    /// `metrics`.
    public var metrics: [OTLPMetric]

    /// Creates scope metrics.
    public init(name: String = "", metrics: [OTLPMetric] = []) {
        self.name = name
        self.metrics = metrics
    }
}

/// `AggregationTemporality`.
public enum OTLPTemporality: Int, Sendable, Equatable {
    /// `AGGREGATION_TEMPORALITY_UNSPECIFIED` (0).
    case unspecified = 0
    /// `AGGREGATION_TEMPORALITY_DELTA` (1).
    case delta = 1
    /// `AGGREGATION_TEMPORALITY_CUMULATIVE` (2).
    case cumulative = 2
}

/// `Metric`: name, unit and one kind of data.
public struct OTLPMetric: Sendable, Equatable {
    /// What the metric holds.
    public enum Data: Sendable, Equatable {
        /// No data field was set (the translation ignores the metric, as Prometheus does).
        case none
        /// `gauge`.
        case gauge([OTLPNumberPoint])
        /// `sum`.
        case sum([OTLPNumberPoint], temporality: OTLPTemporality, monotonic: Bool)
        /// `histogram` (explicit buckets).
        case histogram([OTLPHistogramPoint], temporality: OTLPTemporality)
        /// `exponential_histogram`: becomes native histograms (see docs/otlp.md).
        case exponentialHistogram([OTLPExponentialHistogramPoint], temporality: OTLPTemporality)
        /// `summary`.
        case summary([OTLPSummaryPoint])

        /// Number of data points.
        public var pointCount: Int {
            switch self {
            case .none: return 0
            case .gauge(let p): return p.count
            case .sum(let p, _, _): return p.count
            case .histogram(let p, _): return p.count
            case .exponentialHistogram(let p, _): return p.count
            case .summary(let p): return p.count
            }
        }
    }

    /// `name`.
    public var name: String
    /// `unit` (UCUM, e.g. `s`, `By`, `1`, `{request}`).
    public var unit: String
    /// The data.
    public var data: Data

    /// Creates a metric.
    public init(name: String, unit: String = "", data: Data) {
        self.name = name
        self.unit = unit
        self.data = data
    }
}

/// `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point marks the series as gone (stale).
public let otlpFlagNoRecordedValue: UInt32 = 1

/// `NumberDataPoint`.
public struct OTLPNumberPoint: Sendable, Equatable {
    /// `attributes`.
    public var attributes: [OTLPAttribute]
    /// `start_time_unix_nano` (0 when unset).
    public var startTimeNanos: UInt64
    /// `time_unix_nano`.
    public var timeNanos: UInt64
    /// `as_double`, or `as_int` converted.
    public var value: Double
    /// `flags`.
    public var flags: UInt32

    /// Creates a point.
    public init(attributes: [OTLPAttribute] = [], startTimeNanos: UInt64 = 0, timeNanos: UInt64, value: Double, flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeNanos = startTimeNanos
        self.timeNanos = timeNanos
        self.value = value
        self.flags = flags
    }
}

/// `HistogramDataPoint` (explicit bucket bounds).
public struct OTLPHistogramPoint: Sendable, Equatable {
    /// `attributes`.
    public var attributes: [OTLPAttribute]
    /// `start_time_unix_nano`.
    public var startTimeNanos: UInt64
    /// `time_unix_nano`.
    public var timeNanos: UInt64
    /// `count`.
    public var count: UInt64
    /// `sum` (optional in proto3: absent when the instrument can record negative values).
    public var sum: Double?
    /// `bucket_counts`: one more than `explicitBounds` (the last is the overflow bucket).
    public var bucketCounts: [UInt64]
    /// `explicit_bounds`, increasing.
    public var explicitBounds: [Double]
    /// `flags`.
    public var flags: UInt32

    /// Creates a point.
    public init(attributes: [OTLPAttribute] = [], startTimeNanos: UInt64 = 0, timeNanos: UInt64, count: UInt64, sum: Double?,
                bucketCounts: [UInt64], explicitBounds: [Double], flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeNanos = startTimeNanos
        self.timeNanos = timeNanos
        self.count = count
        self.sum = sum
        self.bucketCounts = bucketCounts
        self.explicitBounds = explicitBounds
        self.flags = flags
    }
}

/// `ExponentialHistogramDataPoint.Buckets`: counts of consecutive buckets from `offset`.
public struct OTLPExponentialBuckets: Sendable, Equatable {
    /// Index of the first bucket (bucket `i` covers `(base^i, base^(i+1)]`).
    public var offset: Int32
    /// `bucket_counts`.
    public var bucketCounts: [UInt64]

    /// Creates buckets.
    public init(offset: Int32 = 0, bucketCounts: [UInt64] = []) {
        self.offset = offset
        self.bucketCounts = bucketCounts
    }
}

/// `ExponentialHistogramDataPoint` (min, max and exemplars are not read).
public struct OTLPExponentialHistogramPoint: Sendable, Equatable {
    /// `attributes`.
    public var attributes: [OTLPAttribute]
    /// `start_time_unix_nano`.
    public var startTimeNanos: UInt64
    /// `time_unix_nano`.
    public var timeNanos: UInt64
    /// `count`.
    public var count: UInt64
    /// `sum` (optional: absent when the instrument can record negative values).
    public var sum: Double?
    /// `scale`: the resolution; base = 2^(2^-scale).
    public var scale: Int32
    /// `zero_count`.
    public var zeroCount: UInt64
    /// `zero_threshold` (0 when the sender left it out).
    public var zeroThreshold: Double
    /// `positive`.
    public var positive: OTLPExponentialBuckets
    /// `negative`.
    public var negative: OTLPExponentialBuckets
    /// `flags`.
    public var flags: UInt32

    /// Creates a point.
    public init(attributes: [OTLPAttribute] = [], startTimeNanos: UInt64 = 0, timeNanos: UInt64, count: UInt64, sum: Double?,
                scale: Int32, zeroCount: UInt64 = 0, zeroThreshold: Double = 0,
                positive: OTLPExponentialBuckets = OTLPExponentialBuckets(), negative: OTLPExponentialBuckets = OTLPExponentialBuckets(),
                flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeNanos = startTimeNanos
        self.timeNanos = timeNanos
        self.count = count
        self.sum = sum
        self.scale = scale
        self.zeroCount = zeroCount
        self.zeroThreshold = zeroThreshold
        self.positive = positive
        self.negative = negative
        self.flags = flags
    }
}

/// `SummaryDataPoint`.
public struct OTLPSummaryPoint: Sendable, Equatable {
    /// `attributes`.
    public var attributes: [OTLPAttribute]
    /// `start_time_unix_nano`.
    public var startTimeNanos: UInt64
    /// `time_unix_nano`.
    public var timeNanos: UInt64
    /// `count`.
    public var count: UInt64
    /// `sum`.
    public var sum: Double
    /// `quantile_values` as (quantile, value).
    public var quantiles: [OTLPQuantile]
    /// `flags`.
    public var flags: UInt32

    /// Creates a point.
    public init(attributes: [OTLPAttribute] = [], startTimeNanos: UInt64 = 0, timeNanos: UInt64, count: UInt64, sum: Double,
                quantiles: [OTLPQuantile], flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeNanos = startTimeNanos
        self.timeNanos = timeNanos
        self.count = count
        self.sum = sum
        self.quantiles = quantiles
        self.flags = flags
    }
}

/// `SummaryDataPoint.ValueAtQuantile`.
public struct OTLPQuantile: Sendable, Equatable {
    /// `quantile` in [0, 1].
    public var quantile: Double
    /// `value`.
    public var value: Double

    /// Creates a quantile value.
    public init(quantile: Double, value: Double) {
        self.quantile = quantile
        self.value = value
    }
}

/// Limits on what an OTLP body may make the decoders build; the body size (the tenant's
/// `max_recv_msg_size`) bounds everything else.
public enum OTLPLimits {
    /// How deep `AnyValue` arrays and key-value lists (protobuf) and JSON values may nest.
    public static let maxNestingDepth = 32
}
