import Foundation
import StrataBlocks
import StrataModel
import StrataTestSupport
import Testing

@Suite("bytes per sample")
struct BytesPerSampleTests {
    /// 100 by default so the suite stays quick; `STRATA_BLOCK_SIZE_SERIES=1000` gives the figure
    /// recorded in docs/benchmarks.md.
    static let seriesCount = Int(ProcessInfo.processInfo.environment["STRATA_BLOCK_SIZE_SERIES"] ?? "") ?? 100
    /// One day at 15 s.
    static let samplesPerSeries = 24 * 3600 / 15
    /// Prometheus's level-1 block range.
    static let blockRange: Int64 = 2 * 3600 * 1000

    /// Realistic shapes: integer counters with bursty increments, CPU-seconds counters with two
    /// decimals, memory gauges moving in 4 KiB pages, one-decimal temperatures, and
    /// full-precision ratios (recording-rule style output).
    static func realisticData() -> [TestSeries] {
        var rng = SeededRandom(seed: 2026)
        var out: [TestSeries] = []
        for i in 0..<seriesCount {
            let kind = i % 5
            let name = ["http_requests_total", "node_cpu_seconds_total", "process_resident_memory_bytes",
                        "node_hwmon_temp_celsius", "job:request_latency_seconds:ratio"][kind]
            let labels = Labels([
                "__name__": name, "job": ["api", "web", "db", "cache"][i % 4],
                "instance": "10.0.\(i / 50).\(i % 50):9100", "cluster": "eu-1",
            ])
            var v: Double = [Double(rng.next() % 1_000_000), 12345.67, 2.5e8, 45.0, 0.0][kind]
            var samples: [Sample] = []
            samples.reserveCapacity(samplesPerSeries)
            for k in 0..<samplesPerSeries {
                switch kind {
                case 0: v += Double(rng.next() % 3 == 0 ? rng.next() % 200 : rng.next() % 20)
                case 1: v = ((v + Double(rng.next() % 1500) / 100) * 100).rounded() / 100
                case 2: v = max(4096, v + Double(Int64(rng.next() % 201) - 100) * 4096)
                case 3: v = ((v + Double(Int64(rng.next() % 7) - 3) / 10) * 10).rounded() / 10
                default: v = Double(rng.next() % 1_000_000_000) / 1e9 * 0.05 + 0.1
                }
                samples.append(Sample(timestamp: TestData.start + Int64(k) * TestData.step, value: v))
            }
            out.append(TestSeries(labels: labels, samples: samples))
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Writes the OpenMetrics file in pieces (a single String of ~400 MB would be wasteful).
    static func writeOpenMetrics(_ data: [TestSeries], to path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var byName: [String: [TestSeries]] = [:]
        for s in data { byName[s.labels.metricName ?? "", default: []].append(s) }
        for name in byName.keys.sorted() {
            try handle.write(contentsOf: Data("# TYPE \(name) gauge\n".utf8))
            for s in byName[name] ?? [] {
                var inner: [String] = []
                for l in s.labels where l.name != metricNameLabel { inner.append("\(l.name)=\(quoteLabelValue(l.value))") }
                let prefix = name + "{" + inner.joined(separator: ",") + "} "
                var text = ""
                text.reserveCapacity(s.samples.count * 80)
                for sample in s.samples { text += prefix + "\(sample.value) \(sample.timestamp / 1000)\n" }
                try handle.write(contentsOf: Data(text.utf8))
            }
        }
        try handle.write(contentsOf: Data("# EOF\n".utf8))
    }

    static func chunkBytes(_ blockDir: String) throws -> Int { try directorySize(blockDir + "/chunks") }

    @Test("Strata's blocks are no larger than promtool's for the same samples (1 day at 15 s)")
    func measure() throws {
        try Promtool.require()
        let dir = try makeTempDir("size")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ what: String) {
            let now = clock.now
            print("  \(what): \(now - mark)")
            mark = now
        }
        let data = Self.realisticData()
        lap("generate")
        let totalSamples = data.count * Self.samplesPerSeries

        // Strata, one block for the whole day.
        let oneDay = dir + "/strata-1d"
        try FileManager.default.createDirectory(atPath: oneDay, withIntermediateDirectories: true)
        let meta = try BlockWriter.write(parentDirectory: oneDay, series: TestData.blockSeries(data))
        #expect(Int(meta.stats.numSamples) == totalSamples)
        let oneDaySize = try directorySize(oneDay + "/" + meta.ulid)
        let oneDayChunks = try Self.chunkBytes(oneDay + "/" + meta.ulid)
        lap("strata 1d")

        // Strata, 2 h blocks like promtool's output.
        let twoHour = dir + "/strata-2h"
        try FileManager.default.createDirectory(atPath: twoHour, withIntermediateDirectories: true)
        var lo = TestData.start
        let end = TestData.start + Int64(Self.samplesPerSeries) * TestData.step
        var twoHourBlocks = 0
        while lo < end {
            let hi = lo + Self.blockRange
            let window = data.map { s in
                BlockSeries(labels: s.labels, chunks: TestData.chunks(s.samples.filter { $0.timestamp >= lo && $0.timestamp < hi }))
            }
            try BlockWriter.write(parentDirectory: twoHour, series: window)
            twoHourBlocks += 1
            lo = hi
        }
        let twoHourSize = try directorySize(twoHour)
        lap("strata 2h")
        let twoHourChunks = try FileManager.default.contentsOfDirectory(atPath: twoHour).reduce(0) { $0 + (try Self.chunkBytes(twoHour + "/" + $1)) }

        // promtool from the same samples.
        let input = dir + "/input.om"
        try Self.writeOpenMetrics(data, to: input)
        lap("openmetrics")
        let promDir = dir + "/promtool"
        try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input, promDir])
        try FileManager.default.removeItem(atPath: input)
        lap("promtool")
        let promBlocks = try FileManager.default.contentsOfDirectory(atPath: promDir).filter { ULID($0) != nil }
        var promSamples = 0
        var promChunks = 0
        for id in promBlocks {
            promSamples += Int(try Block(directory: promDir + "/" + id).meta.stats.numSamples)
            promChunks += try Self.chunkBytes(promDir + "/" + id)
        }
        let promSize = try directorySize(promDir)
        #expect(promSamples == totalSamples)
        // Same XOR encoding and index layout: Strata may only be smaller (promtool sometimes
        // leaves a trailing zero byte in a chunk).
        #expect(twoHourChunks <= promChunks)
        #expect(twoHourSize <= promSize)

        func perSample(_ bytes: Int) -> String { String(format: "%.3f", Double(bytes) / Double(totalSamples)) }
        print("  chunk bytes: Strata 1d \(oneDayChunks), Strata 2h \(twoHourChunks), promtool \(promChunks)")
        var byName: [String: (bytes: Int, samples: Int)] = [:]
        for s in data {
            let bytes = TestData.chunks(s.samples).reduce(0) { $0 + $1.data.count }
            byName[s.labels.metricName ?? "", default: (0, 0)].bytes += bytes
            byName[s.labels.metricName ?? "", default: (0, 0)].samples += s.samples.count
        }
        for (name, v) in byName.sorted(by: { $0.key < $1.key }) {
            print("  XOR data \(name): \(String(format: "%.3f", Double(v.bytes) / Double(v.samples))) B/sample")
        }
        print("""
        bytes/sample, \(data.count) series × \(Self.samplesPerSeries) samples (\(totalSamples) samples):
          Strata 1 block (24 h):       total \(perSample(oneDaySize)) B/sample (\(oneDaySize) B), chunks only \(perSample(oneDayChunks))
          Strata 2 h blocks (\(twoHourBlocks)):       total \(perSample(twoHourSize)) B/sample (\(twoHourSize) B), chunks only \(perSample(twoHourChunks))
          promtool 2 h blocks (\(promBlocks.count)):     total \(perSample(promSize)) B/sample (\(promSize) B), chunks only \(perSample(promChunks))
        """)
    }
}
