import StrataModel
@testable import StrataWire
import StrataSeededRandom

/// The error a decode throws, or nil when it succeeds.
func writeError(_ body: [UInt8]) -> WireError? {
    do {
        _ = try RemoteWriteDecoder.decode(body)
        return nil
    } catch {
        return error
    }
}

/// A series as the sender wrote it: labels in sender order, samples in order.
struct PlainSeries: Equatable, CustomStringConvertible {
    var labels: [Label]
    var samples: [Sample]
    var exemplars: UInt32 = 0
    var histograms: UInt32 = 0
    /// The native histogram samples, in order.
    var histogramPoints: [HistogramPoint] = []

    static func == (a: PlainSeries, b: PlainSeries) -> Bool {
        a.labels == b.labels && a.exemplars == b.exemplars && a.histograms == b.histograms
            && a.samples.count == b.samples.count
            && zip(a.samples, b.samples).allSatisfy { $0.isIdentical(to: $1) }
            && a.histogramPoints.count == b.histogramPoints.count
            && zip(a.histogramPoints, b.histogramPoints).allSatisfy(identical)
    }

    var description: String { "\(labels) \(samples) ex=\(exemplars) h=\(histograms) \(histogramPoints)" }
}

/// Bitwise equality of two histogram samples (NaN sums and stale markers equal themselves).
func identical(_ a: HistogramPoint, _ b: HistogramPoint) -> Bool {
    guard a.timestamp == b.timestamp else { return false }
    switch (a.value, b.value) {
    case (.integer(let x), .integer(let y)): return x.isIdentical(to: y) && x.customValues.map(\.bitPattern) == y.customValues.map(\.bitPattern)
    case (.float(let x), .float(let y)): return x.isIdentical(to: y)
    default: return false
    }
}

/// Reads a batch back as plain values, in sender order.
func plain(_ batch: SeriesBatch) -> [PlainSeries] {
    (0..<batch.series.count).map { index in
        let entry = batch.series[index]
        let labels = (0..<Int(entry.labelCount)).map {
            Label(name: batch.labelName(series: index, label: $0), value: batch.labelValue(series: index, label: $0))
        }
        return PlainSeries(labels: labels, samples: Array(batch.samples(of: index)),
                           exemplars: entry.exemplarCount, histograms: entry.histogramCount,
                           histogramPoints: Array(batch.histograms(of: index)))
    }
}

/// True when every ref of the batch lies inside its buffer (what the head relies on).
func refsInBounds(_ batch: SeriesBatch) -> Bool {
    let n = UInt64(batch.buffer.count)
    for ref in batch.labels {
        if UInt64(ref.nameOffset) + UInt64(ref.nameLength) > n { return false }
        if UInt64(ref.valueOffset) + UInt64(ref.valueLength) > n { return false }
    }
    for e in batch.series {
        if Int(e.labelStart) + Int(e.labelCount) > batch.labels.count { return false }
        if Int(e.sampleStart) + Int(e.sampleCount) > batch.samples.count { return false }
        if Int(e.histogramStart) + Int(e.histogramCount) > batch.histograms.count { return false }
    }
    return true
}

/// Series exercising the awkward values: NaN, the staleness marker, infinities, -0, negative
/// and extreme timestamps, empty label values, multi-byte UTF-8.
let awkwardSeries: [(labels: Labels, samples: [Sample])] = [
    (Labels(["__name__": "up", "job": "node", "instance": "a:9100"]),
     [Sample(timestamp: 1_764_000_000_000, value: 1), Sample(timestamp: 1_764_000_015_000, value: 0)]),
    (Labels(["__name__": "temperature_celsius", "city": "Zürich", "note": "温度 🌡️", "empty": ""]),
     [Sample(timestamp: -1, value: .nan), Sample(timestamp: -86_400_000, value: StaleNaN.value),
      Sample(timestamp: 0, value: .infinity), Sample(timestamp: Int64.min, value: -.infinity),
      Sample(timestamp: Int64.max, value: -0.0), Sample(timestamp: 1, value: .leastNonzeroMagnitude),
      Sample(timestamp: 2, value: .greatestFiniteMagnitude), Sample(timestamp: 3, value: Double(bitPattern: 0x7ff8_0000_dead_beef))]),
    (Labels(["__name__": "no_samples"]), []),
    (Labels.empty, [Sample(timestamp: 42, value: 42)]),
    (Labels(["__name__": String(repeating: "x", count: 300), "long": String(repeating: "ü", count: 5000)]),
     [Sample(timestamp: 1 << 40, value: 3.25)]),
]

/// Appends raw bytes for a length-delimited field.
func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
    varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload
}

/// A varint's bytes.
func varint(_ value: UInt64) -> [UInt8] {
    var v = value
    var out: [UInt8] = []
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
    return out
}

/// A tag's bytes.
func tag(_ number: Int, _ wireType: UInt8) -> [UInt8] { varint(UInt64(number) << 3 | UInt64(wireType)) }

/// One unknown field of every wire type, including a nested group, with field numbers no
/// Prometheus message uses.
let unknownFields: [UInt8] =
    tag(100, 0) + varint(UInt64.max)
    + tag(101, 1) + [1, 2, 3, 4, 5, 6, 7, 8]
    + tag(102, 2) + varint(3) + [0xff, 0xfe, 0xfd]
    + tag(103, 5) + [9, 9, 9, 9]
    + tag(104, 3) + tag(1, 0) + varint(7) + tag(105, 3) + tag(2, 2) + [0] + tag(105, 4) + tag(104, 4)

/// Native histogram samples exercising every field: both kinds, negative schema and offsets,
/// negative buckets, custom buckets, every reset hint, a stale marker and a NaN sum.
let awkwardHistograms: [HistogramPoint] = [
    HistogramPoint(timestamp: 1_764_000_000_000, value: .integer(Histogram(
        counterResetHint: .notCounterReset, schema: 3, zeroThreshold: 0.001, zeroCount: 2, count: 19, sum: 42.5,
        positiveSpans: [HistogramSpan(offset: -2, length: 2), HistogramSpan(offset: 3, length: 1)], positiveBuckets: [3, -1, 4],
        negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [7]))),
    HistogramPoint(timestamp: -5, value: .integer(Histogram(schema: -4, count: 0))),
    HistogramPoint(timestamp: 1_764_000_015_000, value: .float(FloatHistogram(
        counterResetHint: .gauge, schema: -2, zeroThreshold: 0, zeroCount: 0.5, count: 10.25, sum: -3,
        positiveSpans: [HistogramSpan(offset: 1, length: 3)], positiveBuckets: [1, 2.5, 0.25],
        negativeSpans: [HistogramSpan(offset: -1, length: 2)], negativeBuckets: [4, 2]))),
    HistogramPoint(timestamp: 1_764_000_030_000, value: .integer(Histogram(
        counterResetHint: .counterReset, schema: -53, count: 6, sum: 1.5,
        positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: [1, 1, 1], customValues: [0.1, 0.5, 1]))),
    HistogramPoint(timestamp: 1_764_000_045_000, value: .integer(.staleMarker)),
    HistogramPoint(timestamp: 1_764_000_060_000, value: .float(FloatHistogram(schema: 8, count: .infinity, sum: .nan))),
]
