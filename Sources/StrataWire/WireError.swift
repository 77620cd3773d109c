/// Which protocol a malformed body claimed to speak; named in error messages so an operator can
/// tell a bad remote-write sender from a bad remote-read client.
public enum WireCodec: String, Sendable, Equatable {
    /// Prometheus remote write 1.0 (`prometheus.WriteRequest`).
    case remoteWrite = "remote-write"
    /// Prometheus remote read (`prometheus.ReadRequest` / `ReadResponse`).
    case remoteRead = "remote-read"
    /// Prometheus remote write 2.0 (`io.prometheus.write.v2.Request`).
    case remoteWriteV2 = "remote-write-2.0"
    /// OTLP metrics (`opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`).
    case otlpMetrics = "otlp-metrics"
}

/// The protobuf message a decoder was inside when it failed, by its name in Prometheus's
/// `remote.proto` / `types.proto`.
public enum WireMessage: String, Sendable, Equatable {
    /// The remote-write request (top level).
    case writeRequest = "WriteRequest"
    /// A series: labels, samples, exemplars, histograms.
    case timeSeries = "TimeSeries"
    /// One label name and value.
    case label = "Label"
    /// One float sample.
    case sample = "Sample"
    /// The remote-read request (top level).
    case readRequest = "ReadRequest"
    /// One remote-read query.
    case query = "Query"
    /// One remote-read label matcher.
    case labelMatcher = "LabelMatcher"
    /// The remote-read response (top level).
    case readResponse = "ReadResponse"
    /// The answer to one remote-read query.
    case queryResult = "QueryResult"
    /// OTLP: the export request (top level) and the messages inside it, by their names in
    /// opentelemetry-proto's `metrics.proto`, `resource.proto` and `common.proto`.
    case otlpExportRequest = "ExportMetricsServiceRequest"
    case otlpResourceMetrics = "ResourceMetrics"
    case otlpResource = "Resource"
    case otlpScopeMetrics = "ScopeMetrics"
    case otlpMetric = "Metric"
    case otlpDataSet = "Gauge/Sum/Histogram/Summary"
    case otlpDataPoint = "DataPoint"
    case otlpQuantile = "ValueAtQuantile"
    case otlpKeyValue = "KeyValue"
    case otlpAnyValue = "AnyValue"
    /// Inside an unknown group being skipped.
    case group = "group"
    /// A remote write 1.0 exemplar.
    case exemplar = "Exemplar"
    /// A remote write 1.0 metadata entry.
    case metricMetadata = "MetricMetadata"
    /// The remote write 2.0 request (top level).
    case v2Request = "v2.Request"
    /// A remote write 2.0 series.
    case v2TimeSeries = "v2.TimeSeries"
    /// A remote write 2.0 sample.
    case v2Sample = "v2.Sample"
    /// A remote write 2.0 exemplar.
    case v2Exemplar = "v2.Exemplar"
    /// A remote write 2.0 series' metadata.
    case v2Metadata = "v2.Metadata"
    /// A native histogram sample (1.0 and 2.0 share the layout).
    case histogram = "Histogram"
    /// One span of a native histogram's buckets.
    case bucketSpan = "BucketSpan"
}

/// Where in a body a decoder failed.
public struct WireLocation: Sendable, Equatable, CustomStringConvertible {
    /// The protocol being decoded.
    public var codec: WireCodec
    /// The message being decoded.
    public var message: WireMessage
    /// The field number being decoded, or 0 when the tag itself could not be read.
    public var field: Int
    /// Byte offset (into the decompressed body) of the field's tag, or of the bad byte.
    public var offset: Int

    /// Creates a location.
    public init(codec: WireCodec, message: WireMessage, field: Int, offset: Int) {
        self.codec = codec
        self.message = message
        self.field = field
        self.offset = offset
    }

    /// `field 2 of TimeSeries at byte 1234`, or `a tag of TimeSeries at byte 1234`.
    public var description: String {
        let what = field == 0 ? "a tag" : "field \(field)"
        return "\(what) of \(message.rawValue) at byte \(offset)"
    }
}

/// Why a protobuf body was rejected. Every case is a client error (HTTP 400: Prometheus does
/// not retry it), and each message says where in the decompressed body the problem is.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body ends inside a field (a varint, a fixed-width value or a length prefix).
    case truncated(WireLocation)
    /// A length prefix is larger than what is left of the enclosing message.
    case lengthOutOfBounds(WireLocation, length: UInt64, remaining: Int)
    /// A known field arrived with the wrong wire type (`expected` set), or a tag used wire type
    /// 6 or 7, which protobuf does not define (`expected` nil).
    case invalidWireType(WireLocation, found: UInt8, expected: UInt8?)
    /// A varint is longer than 10 bytes or does not fit in 64 bits.
    case varintOverflow(WireLocation)
    /// A tag names field 0 or a field number above 2^29-1.
    case invalidFieldNumber(WireLocation, tag: UInt64)
    /// An end-group tag without a matching start-group tag.
    case unexpectedEndGroup(WireLocation)
    /// Unknown groups nested deeper than the decoder allows.
    case nestingTooDeep(WireLocation, limit: Int)
    /// An enum value Strata cannot represent (e.g. a label matcher type other than 0–3).
    case invalidEnumValue(WireLocation, value: Int64)
    /// A string field (remote read) is not valid UTF-8.
    case invalidUTF8(WireLocation)
    /// More items of one kind than a batch can index.
    case tooManyItems(WireLocation, limit: Int)
    /// The body is larger than the decoder can address.
    case bodyTooLarge(size: Int, limit: Int)
    /// A remote write 2.0 reference (`labels_refs`, `help_ref`, `unit_ref`) past the end of the
    /// request's symbols table.
    case symbolRefOutOfRange(WireLocation, ref: UInt64, symbols: Int)
    /// A remote write 2.0 `labels_refs` list of odd length (refs come in name/value pairs).
    case oddLabelRefCount(WireLocation, count: Int)
    /// A native histogram mixing integer fields (`count_int`, `zero_count_int`, `*_deltas`) with
    /// float fields (`count_float`, `zero_count_float`, `*_counts`): it is neither kind.
    case mixedHistogramKinds(WireLocation)
    /// A streamed remote-read frame whose CRC-32C does not match its message.
    case checksumMismatch(WireLocation, expected: UInt32, actual: UInt32)

    private static func prefix(_ loc: WireLocation) -> String {
        "malformed \(loc.codec.rawValue) protobuf: \(loc)"
    }

    /// A message an operator can act on: what is wrong, and where in the decompressed body.
    public var description: String {
        switch self {
        case .truncated(let loc):
            return "\(Self.prefix(loc)) is truncated (the enclosing message ends inside it); the sender produced an incomplete body"
        case .lengthOutOfBounds(let loc, let length, let remaining):
            return "\(Self.prefix(loc)) declares a length of \(length) bytes but only \(remaining) remain in the enclosing message"
        case .invalidWireType(let loc, let found, let expected):
            if let expected {
                return "\(Self.prefix(loc)) has wire type \(found) but the schema requires wire type \(expected); the sender is not speaking Prometheus \(loc.codec.rawValue) 1.0"
            }
            return "\(Self.prefix(loc)) has wire type \(found), which protobuf does not define; the body is not protobuf"
        case .varintOverflow(let loc):
            return "\(Self.prefix(loc)) holds a varint longer than 10 bytes or wider than 64 bits"
        case .invalidFieldNumber(let loc, let tag):
            return "\(Self.prefix(loc)) has tag \(tag), whose field number is outside 1...536870911; the body is not protobuf"
        case .unexpectedEndGroup(let loc):
            return "\(Self.prefix(loc)) is an end-group tag without a matching start-group"
        case .nestingTooDeep(let loc, let limit):
            return "\(Self.prefix(loc)) nests groups deeper than \(limit) levels"
        case .invalidEnumValue(let loc, let value):
            return "\(Self.prefix(loc)) has enum value \(value), which Strata does not support"
        case .invalidUTF8(let loc):
            return "\(Self.prefix(loc)) is a string that is not valid UTF-8"
        case .tooManyItems(let loc, let limit):
            return "\(Self.prefix(loc)) repeats more than \(limit) times; split the request"
        case .bodyTooLarge(let size, let limit):
            return "protobuf body of \(size) bytes exceeds the decoder's limit of \(limit) bytes; send smaller requests"
        case .symbolRefOutOfRange(let loc, let ref, let symbols):
            return "\(Self.prefix(loc)) refers to symbol \(ref), but the request's symbols table has \(symbols) entries; the sender's symbols table and references disagree"
        case .oddLabelRefCount(let loc, let count):
            return "\(Self.prefix(loc)) has \(count) label references; labels_refs must hold name/value pairs (an even count)"
        case .checksumMismatch(let loc, let expected, let actual):
            return "\(Self.prefix(loc)) is a frame whose CRC-32C is \(actual), but the frame header says \(expected); the stream is corrupt"
        case .mixedHistogramKinds(let loc):
            return "\(Self.prefix(loc)) mixes integer-count fields (count_int, zero_count_int, *_deltas) with float-count fields (count_float, zero_count_float, *_counts); a native histogram is either an integer or a float histogram"
        }
    }
}
