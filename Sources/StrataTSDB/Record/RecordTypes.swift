import StrataModel

/// The first byte of a WAL record: what the rest of it holds.
///
/// 1, 2 and 7–10 are Prometheus's `tsdb/record` types (same numbers and layouts); 64 and 65 are
/// Strata's checkpoint records, chosen far from Prometheus's range (1…14 so far) so the two never
/// collide.
public enum RecordType: UInt8, Sendable {
    /// Series definitions: ref → labels.
    case series = 1
    /// Float samples by series ref.
    case samples = 2
    /// Native histograms with integer counts and exponential schemas (Prometheus
    /// `HistogramSamples`).
    case histogramSamples = 7
    /// Native histograms with float counts and exponential schemas (Prometheus
    /// `FloatHistogramSamples`).
    case floatHistogramSamples = 8
    /// Native histograms with integer counts and custom buckets, schema -53 (Prometheus
    /// `CustomBucketsHistogramSamples`).
    case customBucketsHistogramSamples = 9
    /// Native histograms with float counts and custom buckets (Prometheus
    /// `CustomBucketsFloatHistogramSamples`).
    case customBucketsFloatHistogramSamples = 10
    /// All chunks of series (Strata checkpoints; not in Prometheus).
    case seriesChunks = 64
    /// The out-of-order chunks of series (Strata checkpoints; same layout as `seriesChunks`).
    case oooSeriesChunks = 65
}

/// A series definition: the head's numeric reference and the labels it stands for.
public struct RefSeries: Sendable, Equatable {
    /// The head's series reference.
    public var ref: UInt64
    /// The series' labels.
    public var labels: Labels

    /// Creates a series definition.
    public init(ref: UInt64, labels: Labels) {
        self.ref = ref
        self.labels = labels
    }
}

/// One sample of the series `ref`.
public struct RefSample: Sendable, Equatable {
    /// The head's series reference.
    public var ref: UInt64
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    /// The value, compared bitwise (so NaNs and stale markers compare equal to themselves).
    public var value: Double

    /// Creates a sample.
    public init(ref: UInt64, timestamp: Int64, value: Double) {
        self.ref = ref
        self.timestamp = timestamp
        self.value = value
    }

    public static func == (lhs: RefSample, rhs: RefSample) -> Bool {
        lhs.ref == rhs.ref && lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// All chunks of one series, oldest first; the last one may be the open head chunk.
public struct RefChunks: Sendable, Equatable {
    /// The head's series reference.
    public var ref: UInt64
    /// The chunks, oldest first.
    public var chunks: [EncodedChunk]

    /// Creates a chunk list.
    public init(ref: UInt64, chunks: [EncodedChunk]) {
        self.ref = ref
        self.chunks = chunks
    }
}

/// Why a record could not be decoded.
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first byte is not a record type Strata knows (or not the one the decoder expects).
    case unknownType(UInt8)
    /// The record is truncated or inconsistent; the string says where.
    case corrupt(String)

    public var description: String {
        switch self {
        case .unknownType(let t): return "unexpected WAL record type \(t)"
        case .corrupt(let reason): return "corrupt WAL record: \(reason)"
        }
    }
}
