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

    static func == (a: PlainSeries, b: PlainSeries) -> Bool {
        a.labels == b.labels && a.exemplars == b.exemplars && a.histograms == b.histograms
            && a.samples.count == b.samples.count
            && zip(a.samples, b.samples).allSatisfy { $0.isIdentical(to: $1) }
    }

    var description: String { "\(labels) \(samples) ex=\(exemplars) h=\(histograms)" }
}

/// Reads a batch back as plain values, in sender order.
func plain(_ batch: SeriesBatch) -> [PlainSeries] {
    (0..<batch.series.count).map { index in
        let entry = batch.series[index]
        let labels = (0..<Int(entry.labelCount)).map {
            Label(name: batch.labelName(series: index, label: $0), value: batch.labelValue(series: index, label: $0))
        }
        return PlainSeries(labels: labels, samples: Array(batch.samples(of: index)),
                           exemplars: entry.exemplarCount, histograms: entry.histogramCount)
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
