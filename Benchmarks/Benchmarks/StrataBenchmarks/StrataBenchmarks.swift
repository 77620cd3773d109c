// Hot-path benchmarks for Strata's ingestion path (package-benchmark).
//
// Run from Benchmarks/:  swift package --allow-writing-to-package-directory benchmark
// Results and how to read them: docs/benchmarks.md, "Hot paths (package-benchmark)".
//
// Data: Kubernetes-like series with 10 labels (__name__, app, cluster, container, instance, job,
// namespace, node, pod, zone), sorted by name as validation requires; 15 s scrape interval with a
// few ms of jitter; half counters, half gauges.

import Benchmark
import Foundation
import Logging
import StrataChunks
import StrataModel
import StrataTSDB
import StrataWire

// MARK: - Data

/// Deterministic generator (SplitMix64) so every run measures the same bytes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

enum Fixture {
    static let scrapeInterval: Int64 = 15_000
    /// 2026-01-01T00:00:00Z in ms.
    static let baseTime: Int64 = 1_767_225_600_000
    static let batchSeries = 2000
    static let existingSeries = 100_000

    /// (name, isCounter)
    static let metrics: [(String, Bool)] = [
        ("container_cpu_usage_seconds_total", true),
        ("container_memory_working_set_bytes", false),
        ("container_network_receive_bytes_total", true),
        ("container_network_transmit_bytes_total", true),
        ("container_fs_usage_bytes", false),
        ("http_requests_total", true),
        ("http_request_duration_seconds_sum", true),
        ("process_resident_memory_bytes", false),
        ("go_goroutines", false),
        ("kube_pod_container_status_restarts_total", true),
    ]
    static let apps = ["checkout", "cart", "payments", "search", "frontend", "catalog", "auth", "shipping",
                       "recommendation", "inventory", "notifications", "gateway"]
    static let zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

    /// Labels of series `i` (10 per series; metric varies fastest, then pod).
    static func labels(series i: Int) -> Labels {
        let metric = metrics[i % metrics.count].0
        let podIndex = i / metrics.count
        let app = apps[podIndex % apps.count]
        let namespace = "team-\(podIndex % 40)"
        let node = podIndex % 250
        let podHash = String(UInt64(podIndex) &* 0x9E37_79B9 & 0xff_ffff, radix: 36)
        return Labels(presorted: [
            Label(name: "__name__", value: metric),
            Label(name: "app", value: app),
            Label(name: "cluster", value: "prod-eu-west-1"),
            Label(name: "container", value: app),
            Label(name: "instance", value: "10.\(12 + node / 64).\(node % 64 * 4).\(podIndex % 250 + 2):8080"),
            Label(name: "job", value: "kubernetes-pods"),
            Label(name: "namespace", value: namespace),
            Label(name: "node", value: "ip-10-12-\(node / 64)-\(node % 64).eu-west-1.compute.internal"),
            Label(name: "pod", value: "\(app)-7d9f8b\(podIndex % 10)c5-\(podHash)"),
            Label(name: "zone", value: zones[node % zones.count]),
        ])
    }

    static func isCounter(series i: Int) -> Bool { metrics[i % metrics.count].1 }

    /// Value of series `i` at scrape `step`.
    static func value(series i: Int, step: Int, rng: inout SplitMix64) -> Double {
        if isCounter(series: i) {
            // Counters: a per-series base and a steady rate with some noise.
            return Double(i * 1000 + step * 37) + (rng.unit() * 5).rounded()
        }
        // Gauges: a level around a per-series value.
        return Double(100_000_000 + i * 10_000) * (1 + 0.05 * (rng.unit() - 0.5))
    }

    /// A batch of `count` series starting at `first`, one sample each at scrape `step`.
    static func batch(first: Int = 0, count: Int = batchSeries, step: Int) -> SeriesBatch {
        var rng = SplitMix64(state: UInt64(step))
        var batch = SeriesBatch()
        for i in first..<first + count {
            let t = baseTime + Int64(step) * scrapeInterval + Int64(rng.next() % 20)
            batch.append(labels: labels(series: i), samples: CollectionOfOne(
                Sample(timestamp: t, value: value(series: i, step: step, rng: &rng))))
        }
        return batch
    }

    static let quietLogger: Logger = {
        var logger = Logger(label: "strata-bench")
        logger.logLevel = .critical
        return logger
    }()

    static func makeTempDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "strata-bench-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// State built by a benchmark's setup closure and used by its measured closure (each benchmark runs
/// its setup once before warm-up; iterations run on one thread).
final class HeadFixture: @unchecked Sendable {
    nonisolated(unsafe) static var current: HeadFixture?
    let directory: String
    let head: Head
    var batch: SeriesBatch
    var step: Int

    init() throws {
        directory = Fixture.makeTempDirectory("head")
        head = try Head(directory: directory, logger: Fixture.quietLogger)
        // 100k existing series, 50 batches of 2000, two scrapes each so every series has a chunk
        // with a delta already.
        var step = 0
        for scrape in 0..<2 {
            for first in stride(from: 0, to: Fixture.existingSeries, by: Fixture.batchSeries) {
                _ = try head.append(Fixture.batch(first: first, step: scrape), limits: .unlimited)
            }
            step = scrape
        }
        precondition(head.stats.numSeries == Fixture.existingSeries)
        // The measured batch: 2000 of the existing series (a middle slice), one new sample each.
        self.step = step + 1
        batch = Fixture.batch(first: 40_000, step: self.step)
    }

    /// Moves the batch's samples one scrape forward (outside the measured region).
    func advance() {
        step += 1
        let delta = Fixture.scrapeInterval
        batch.samples.withUnsafeMutableBufferPointer { samples in
            for i in samples.indices {
                samples[i].timestamp += delta
                samples[i].value += 11
            }
        }
    }

    func close() {
        try? head.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

final class WALFixture: @unchecked Sendable {
    nonisolated(unsafe) static var current: WALFixture?
    let directory: String
    let wal: WAL
    let record: [UInt8]

    init() throws {
        directory = Fixture.makeTempDirectory("wal")
        wal = try WAL(directory: directory + "/wal", logger: Fixture.quietLogger)
        record = Self.makeRecord()
    }

    /// A typical samples record: 2000 samples of consecutive refs at one scrape.
    static func makeRecord() -> [UInt8] {
        var rng = SplitMix64(state: 42)
        let refSamples = (0..<Fixture.batchSeries).map { i in
            RefSample(ref: UInt64(40_001 + i),
                      timestamp: Fixture.baseTime + Int64(rng.next() % 20),
                      value: Fixture.value(series: i, step: 0, rng: &rng))
        }
        var out: [UInt8] = []
        RecordEncoder.samples(refSamples, into: &out)
        return out
    }

    func close() {
        try? wal.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal]
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        timeUnits: .automatic,
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    // Shared inputs (cheap to build; rebuilt in every benchmark process).
    let batch = Fixture.batch(step: 0)
    let body = RemoteWriteEncoder.encode(batch)
    let compressed = Snappy.compress(body)

    // 1. Decode of a decompressed remote-write body: 2000 series x 1 sample. One iteration = one body.
    Benchmark("RemoteWrite.decode 2000 series x 1 sample",
              configuration: .init(tags: ["body_bytes": "\(body.count)"])) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RemoteWriteDecoder.decode(body))
        }
    }

    // 2. Snappy block decompression of that body.
    Benchmark("Snappy.decompress 2000-series body",
              configuration: .init(tags: ["compressed_bytes": "\(compressed.count)", "body_bytes": "\(body.count)"])) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Snappy.decompress(compressed, maxDecodedSize: 16 << 20))
        }
    }

    // 3a. XOR chunk: append 120 counter samples (one full head chunk). One iteration = one chunk.
    var rng = SplitMix64(state: 7)
    var counter = 1_234_567.0
    let chunkSamples: [Sample] = (0..<XORChunk.maxSamples).map { step in
        counter += (rng.unit() * 40).rounded()
        return Sample(timestamp: Fixture.baseTime + Int64(step) * Fixture.scrapeInterval + Int64(rng.next() % 20),
                      value: counter)
    }
    Benchmark("XORChunk.append 120 counter samples") { benchmark in
        for _ in benchmark.scaledIterations {
            var chunk = XORChunk()
            for s in chunkSamples { chunk.append(timestamp: s.timestamp, value: s.value) }
            blackHole(chunk)
        }
    }

    // 3b. XOR chunk: iterate those 120 samples.
    var fullChunk = XORChunk()
    for s in chunkSamples { fullChunk.append(timestamp: s.timestamp, value: s.value) }
    let chunk = fullChunk
    Benchmark("XORIterator 120 counter samples") { benchmark in
        for _ in benchmark.scaledIterations {
            var it = chunk.makeIterator()
            var sum = 0.0
            var last: Int64 = 0
            while let s = it.next() { sum += s.value; last = s.timestamp }
            blackHole(sum)
            blackHole(last)
        }
    }

    // 3c. Rechunker: four head chunks of 120 counter samples merged into one block chunk of 480
    // (`-blocks-storage.tsdb.block-samples-per-chunk=480`). One iteration = 480 samples.
    var headChunks: [EncodedChunk] = []
    var headChunk = XORChunk()
    for step in 0..<(4 * XORChunk.maxSamples) {
        counter += (rng.unit() * 40).rounded()
        if headChunk.count == XORChunk.maxSamples {
            headChunks.append(headChunk.encoded())
            headChunk = XORChunk()
        }
        headChunk.append(timestamp: Fixture.baseTime + Int64(step) * Fixture.scrapeInterval, value: counter)
    }
    headChunks.append(headChunk.encoded())
    let fourChunks = headChunks
    Benchmark("Rechunker 4 x 120 counter samples into 480") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Rechunker.rechunk(fourChunks, samplesPerChunk: 480))
        }
    }

    // 4. Head.append of 2000 samples for existing series, head holding 100k series, WAL in a temp dir.
    Benchmark(
        "Head.append 2000 existing series (100k in head)",
        configuration: .init(
            metrics: metrics,
            warmupIterations: 5,
            maxDuration: .seconds(3),
            setup: { HeadFixture.current = try HeadFixture() },
            teardown: { HeadFixture.current?.close(); HeadFixture.current = nil }
        )
    ) { benchmark in
        let fixture = HeadFixture.current!
        for _ in benchmark.scaledIterations {
            fixture.advance() // not measured: measurement starts below
            benchmark.startMeasurement()
            let outcome = try fixture.head.append(fixture.batch, limits: .unlimited)
            precondition(outcome.appended == Fixture.batchSeries && outcome.seriesCreated == 0)
        }
    }

    // 5. WAL.log of a 2000-sample samples record (one write(2), no fsync).
    Benchmark(
        "WAL.log samples record (2000 samples)",
        configuration: .init(
            metrics: metrics,
            tags: ["record_bytes": "\(WALFixture.makeRecord().count)"],
            setup: { WALFixture.current = try WALFixture() },
            teardown: { WALFixture.current?.close(); WALFixture.current = nil }
        )
    ) { benchmark in
        let fixture = WALFixture.current!
        for _ in benchmark.scaledIterations {
            try fixture.wal.log(fixture.record)
        }
    }

    // 6. Hashing one 10-label series. scalingFactor .kilo: 1000 hashes per iteration, results per hash.
    let labels = Fixture.labels(series: 40_123)
    Benchmark("Labels.stableHash (LabelsHasher, 10 labels)",
              configuration: .init(metrics: metrics, scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(labels.stableHash)
        }
    }
    Benchmark("SeriesBatch.stableHash(of:) (10 labels, bytes)",
              configuration: .init(metrics: metrics, scalingFactor: .kilo)) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(batch.stableHash(of: i))
        }
    }

    // 7. Regexes on RE2 (issue 13): the exponential case of a backtracking engine, as a matcher
    // and as label_replace's search for groups; then everyday matchers on a label value, one
    // match per iteration (scalingFactor .kilo: 1000 matches per iteration).
    let tenThousandAs = String(repeating: "a", count: 10_000)
    // Compiled before measuring (through the shared cache, as the engine does).
    let exponential = try? LabelMatcher(.regexMatch, "v", "(a+)+b")
    let exponentialReplace = try? RE2Regex.labelReplace("(a+)+b")
    Benchmark("Regex.match (a+)+b against 10,000 a (matcher)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(exponential?.matches(tenThousandAs))
        }
    }
    Benchmark("Regex.groups (a+)+b against 10,000 a (label_replace)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(exponentialReplace?.groups(in: tenThousandAs, count: 2))
        }
    }
    let instance = "ip-10-12-1-17.eu-west-1.compute.internal:9100"
    let everyday: [(String, String)] = [
        ("set", "checkout|cart|payments"),
        ("prefix", "ip-10-12-.*"),
        ("RE2", "ip-10-(12|13)-[0-9]+-[0-9]+\\..*:9100"),
        ("RE2 (?i)", "(?i)IP-10-12-.*"),
    ]
    for (kind, pattern) in everyday {
        let matcher = try? LabelMatcher(.regexMatch, "instance", pattern)
        Benchmark("Regex.match \(kind) \(pattern) on an instance value",
                  configuration: .init(metrics: metrics, scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(matcher?.matches(instance))
            }
        }
    }
}
