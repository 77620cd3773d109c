import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing
@testable import StrataTSDB

/// Samples per series, keyed by labels.
typealias SeriesSamples = [Labels: [Sample]]

/// Deterministic data for block-cut tests: a few hundred series with irregular timestamps over
/// several block ranges; counters with resets, full-precision gauges, NaNs, infinities and stale
/// markers; series that stop early, start late or pause for longer than a range.
enum CutTestData {
    /// The default block range (2 h).
    static let range = HeadOptions.defaultChunkRange
    /// A multiple of the range (2026-11-25T10:00:00Z), plus an irregular offset.
    static let start: Int64 = 1_795_600_800_000 + 1_234

    static func series(count: Int, span: Int64, seed: UInt64) -> SeriesSamples {
        var rng = WALTestRNG(seed: seed)
        let regions = ["eu-west", "日本", "café", "us-east"]
        var out: SeriesSamples = [:]
        for i in 0..<count {
            let kind = i % 4
            var pairs: [String: String] = [
                "__name__": ["http_requests_total", "node_memory_bytes", "cpu_ratio", "odd_values"][kind],
                "instance": "host-\(i / 4).example.org:9100",
                "job": i % 2 == 0 ? "api" : "web",
                "region": regions[i % regions.count],
            ]
            if i % 5 == 0 { pairs["env"] = "prod" }
            // Series that stop early carry a label no other series has: it must leave the head's
            // label names once they are cut.
            let stopsEarly = i % 7 == 3
            if stopsEarly { pairs["churned"] = "yes" }
            let first = start + (i % 11 == 5 ? span * 6 / 10 : Int64(rng.next() % 60_000))
            let last = stopsEarly ? start + span * 35 / 100 : start + span
            let pauseAt = i % 13 == 7 ? start + span / 4 : Int64.max
            var samples: [Sample] = []
            var t = first
            var counter = Double(rng.next() % 10_000)
            while t < last {
                let v: Double
                switch kind {
                case 0:
                    counter = rng.next() % 200 == 0 ? 0 : counter + Double(rng.next() % 50)
                    v = counter
                case 1:
                    v = Double(rng.next() % 4_000_000_000) + Double(rng.next() % 100) / 100
                case 2:
                    v = Double(rng.next() % 1_000_000) / 999_983
                default:
                    switch rng.next() % 8 {
                    case 0: v = StaleNaN.value
                    case 1: v = .nan
                    case 2: v = .infinity
                    case 3: v = -.infinity
                    case 4: v = -0.0
                    default: v = Double(bitPattern: rng.next() & 0x7fef_ffff_ffff_ffff)
                    }
                }
                samples.append(Sample(timestamp: t, value: v))
                if t < pauseAt && t + 120_000 >= pauseAt {
                    // A stale marker, then silence for more than a block range.
                    t += 1
                    samples.append(Sample(timestamp: t, value: StaleNaN.value))
                    t += range + range / 3
                }
                t += 1_000 + Int64(rng.next() % 89_000)
            }
            // A series that would start after it stopped has no samples and is no series at all.
            if !samples.isEmpty { out[Labels(pairs)] = samples }
        }
        return out
    }

    /// The samples of `data` in `[from, to)` as batches of `window` ms each, in time order, as a
    /// scraper would push them.
    static func batches(_ data: SeriesSamples, from: Int64, to: Int64, window: Int64) -> [(end: Int64, batch: SeriesBatch, count: Int)] {
        let sorted = data.keys.sorted()
        var cursors = [Int](repeating: 0, count: sorted.count)
        for (k, labels) in sorted.enumerated() {
            cursors[k] = data[labels]?.firstIndex { $0.timestamp >= from } ?? Int.max
        }
        var out: [(end: Int64, batch: SeriesBatch, count: Int)] = []
        var a = from
        while a < to {
            let b = min(a + window, to)
            var batch = SeriesBatch()
            var count = 0
            for (k, labels) in sorted.enumerated() {
                guard let samples = data[labels], cursors[k] < samples.count else { continue }
                var j = cursors[k]
                while j < samples.count && samples[j].timestamp < b { j += 1 }
                if j > cursors[k] {
                    batch.append(labels: labels, samples: Array(samples[cursors[k]..<j]))
                    count += j - cursors[k]
                    cursors[k] = j
                }
            }
            out.append((b, batch, count))
            a = b
        }
        return out
    }

    /// The samples of `data` in `[from, to)`, series without any left out.
    static func slice(_ data: SeriesSamples, from: Int64, to: Int64) -> SeriesSamples {
        var out: SeriesSamples = [:]
        for (labels, samples) in data {
            let part = samples.filter { $0.timestamp >= from && $0.timestamp < to }
            if !part.isEmpty { out[labels] = part }
        }
        return out
    }
}

/// Every series of a query result, decoded.
func decode(_ result: [QuerySeries]) -> SeriesSamples {
    var out: SeriesSamples = [:]
    for s in result {
        var samples: [Sample] = []
        for chunk in s.chunks {
            var it = XORIterator(bytes: chunk.data)
            while let sample = it.next() { samples.append(sample) }
        }
        out[s.labels, default: []] += samples
    }
    return out
}

/// `{__name__=~".+"}`: every series.
func allSeriesMatcher() throws -> LabelMatcher {
    try LabelMatcher(.regexMatch, metricNameLabel, ".+")
}

/// Every sample of the head.
func headSamples(_ head: Head) throws -> SeriesSamples {
    decode(head.select(minTime: .min, maxTime: .max, matchers: [try allSeriesMatcher()]))
}

/// Every sample of one block directory, read with `StrataBlocks.Block`.
func blockSamples(_ directory: String) throws -> SeriesSamples {
    let block = try Block(directory: directory)
    return decode(try block.select(matchers: [try allSeriesMatcher()], minTime: .min, maxTime: .max))
}

/// The union of several sample sets, each series' samples sorted by time.
func union(_ parts: [SeriesSamples]) -> SeriesSamples {
    var out: SeriesSamples = [:]
    for part in parts {
        for (labels, samples) in part { out[labels, default: []] += samples }
    }
    for key in Array(out.keys) { out[key]?.sort { $0.timestamp < $1.timestamp } }
    return out
}

/// Checks two sample sets are equal sample by sample (timestamps and value bits), reporting the
/// first differences rather than both sets.
func expectSameSamples(_ got: SeriesSamples, _ want: SeriesSamples, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    var problems: [String] = []
    for (labels, w) in want {
        guard let g = got[labels] else {
            problems.append("\(labels): missing (\(w.count) samples expected)")
            continue
        }
        if g.count != w.count {
            problems.append("\(labels): \(g.count) samples, want \(w.count)")
        } else if let i = zip(g, w).enumerated().first(where: { !$0.element.0.isIdentical(to: $0.element.1) })?.offset {
            problems.append("\(labels): sample \(i) is \(g[i]) (bits \(String(g[i].value.bitPattern, radix: 16))), want \(w[i])")
        }
    }
    for labels in got.keys where want[labels] == nil {
        problems.append("\(labels): unexpected series with \(got[labels]?.count ?? 0) samples")
    }
    if !problems.isEmpty {
        let text = "\(what): \(problems.count) series differ, e.g.\n" + problems.prefix(5).joined(separator: "\n")
        Issue.record(Comment(rawValue: text), sourceLocation: sourceLocation)
    }
}

/// The number of samples of a sample set.
func sampleCount(_ data: SeriesSamples) -> Int { data.values.reduce(0) { $0 + $1.count } }

/// Block directories (ULID names) under `directory`, sorted.
func blockDirectories(_ directory: String) throws -> [String] {
    guard FileManager.default.fileExists(atPath: directory) else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: directory).filter { ULID($0) != nil }.sorted()
}

/// Copies a directory tree, replacing the destination.
func copyTree(_ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}


/// Checks promtool's dump against the appended samples: NaN for NaN (the text cannot tell a stale
/// marker from another NaN), bit-exact for every other value.
func expectSameDump(_ got: SeriesSamples, _ want: SeriesSamples, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    var normalisedWant: SeriesSamples = [:]
    for (labels, samples) in want {
        normalisedWant[labels] = samples.map { $0.value.isNaN ? Sample(timestamp: $0.timestamp, value: .nan) : $0 }
    }
    var normalisedGot: SeriesSamples = [:]
    for (labels, samples) in got {
        normalisedGot[labels] = samples.map { $0.value.isNaN ? Sample(timestamp: $0.timestamp, value: .nan) : $0 }
    }
    expectSameSamples(normalisedGot, normalisedWant, what, sourceLocation: sourceLocation)
}
