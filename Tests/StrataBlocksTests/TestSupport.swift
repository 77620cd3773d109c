import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import StrataTestSupport
import Testing

/// A series of the test data set: labels and its samples.
struct TestSeries {
    var labels: Labels
    var samples: [Sample]
}

enum TestData {
    /// 15 s scrape interval.
    static let step: Int64 = 15_000
    /// A start aligned to a 2 h boundary, whole seconds.
    static let start: Int64 = 1_700_006_400_000

    /// `count` series with `samplesPerSeries` samples each: counters (integers), gauges with two
    /// decimals and full-precision ratios; labels include UTF-8 values.
    static func series(count: Int, samplesPerSeries: Int, seed: UInt64 = 42) -> [TestSeries] {
        var rng = SeededRandom(seed: seed)
        let regions = ["eu-west", "日本", "café", "us-east"]
        var out: [TestSeries] = []
        for i in 0..<count {
            let kind = i % 3
            let name = ["http_requests_total", "node_memory_usage_bytes", "cpu_ratio"][kind]
            var pairs: [String: String] = [
                "__name__": name,
                "instance": "host-\(i / 3).example.org:9100",
                "job": i % 2 == 0 ? "api" : "web",
                "region": regions[i % regions.count],
            ]
            if i % 5 == 0 { pairs["env"] = "prod" }
            var samples: [Sample] = []
            samples.reserveCapacity(samplesPerSeries)
            var v: Double = kind == 0 ? Double(rng.next() % 10_000) : (kind == 1 ? 1.5e9 : 0.5)
            for k in 0..<samplesPerSeries {
                switch kind {
                case 0: v += Double(rng.next() % 40)
                case 1: v = (v + Double(Int64(rng.next() % 2_000_001) - 1_000_000) / 100).rounded(.toNearestOrEven)
                    v = (v * 100).rounded() / 100
                default: v = Double(rng.next() % 1_000_000) / 1_000_000 * 0.3 + 0.2
                }
                samples.append(Sample(timestamp: start + Int64(k) * step, value: v))
            }
            out.append(TestSeries(labels: Labels(pairs), samples: samples))
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Cuts samples into XOR chunks of `XORChunk.maxSamples`.
    static func chunks(_ samples: [Sample]) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        var c = XORChunk()
        for s in samples {
            if c.count == XORChunk.maxSamples {
                out.append(c.encoded())
                c = XORChunk()
            }
            c.append(timestamp: s.timestamp, value: s.value)
        }
        if c.count > 0 { out.append(c.encoded()) }
        return out
    }

    static func blockSeries(_ series: [TestSeries]) -> [BlockSeries] {
        series.map { BlockSeries(labels: $0.labels, chunks: chunks($0.samples)) }
    }

    /// Decodes chunks back to samples.
    static func samples(_ chunks: [EncodedChunk], minTime: Int64 = .min, maxTime: Int64 = .max) -> [Sample] {
        var it = ChunkSeriesIterator(chunks: chunks, minTime: minTime, maxTime: maxTime)
        var out: [Sample] = []
        while let s = it.next() { out.append(s) }
        return out
    }

    /// OpenMetrics text of `series` (gauges, whole-second timestamps so ms survive exactly).
    static func openMetrics(_ series: [TestSeries]) -> String {
        var byName: [String: [TestSeries]] = [:]
        for s in series { byName[s.labels.metricName ?? "", default: []].append(s) }
        var out = ""
        for name in byName.keys.sorted() {
            out += "# TYPE \(name) gauge\n"
            for s in byName[name] ?? [] {
                var inner: [String] = []
                for l in s.labels where l.name != metricNameLabel { inner.append("\(l.name)=\(quoteLabelValue(l.value))") }
                let prefix = name + "{" + inner.joined(separator: ",") + "} "
                for sample in s.samples {
                    out += prefix + "\(sample.value) \(sample.timestamp / 1000)\n"
                }
            }
        }
        return out + "# EOF\n"
    }
}

/// A fresh temporary directory.
func makeTempDir(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "strata-blocks-\(tag)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Total bytes of regular files under `path`.
func directorySize(_ path: String) throws -> Int {
    var total = 0
    let fm = FileManager.default
    for case let rel as String in fm.enumerator(atPath: path)?.allObjects ?? [] {
        let attrs = try fm.attributesOfItem(atPath: path + "/" + rel)
        if (attrs[.type] as? FileAttributeType) == .typeRegular { total += (attrs[.size] as? Int) ?? 0 }
    }
    return total
}

/// Samples compare bitwise, so NaNs and -0.0 are checked exactly.
func expectSameSamples(_ got: [Sample], _ want: [Sample], _ what: String) {
    #expect(got.count == want.count, "\(what): \(got.count) samples, want \(want.count)")
    for (g, w) in zip(got, want) where !g.isIdentical(to: w) {
        Issue.record("\(what): got \(g), want \(w)")
        return
    }
}
