import Foundation
import Testing
import StrataChunks
import StrataModel
@testable import StrataTSDB

/// Measures what the head costs per series and per sample on a Kubernetes-like fleet.
///
/// Default scale keeps `swift test` quick; `STRATA_HEAD_MEMORY_SERIES=100000` (best with
/// `-c release -Xswiftc -enable-testing`) reproduces the figures in `docs/tsdb-head.md`.
@Suite("Head memory")
struct HeadMemoryTests {
    static let labelsPerSeries = 10
    static let samplesPerSeries = XORChunk.maxSamples

    /// Resident memory of the process in bytes (`VmRSS`): includes allocator slack, so the
    /// figure is what an operator sees, not a lower bound.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kib = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kib * 1024
        }
        return 0
    }

    /// Labels of series `i`: 10 labels as kube-state-metrics / cAdvisor series carry them.
    static func fleetLabels(_ i: Int) -> Labels {
        let metric = i % 50, pod = i / 50
        return L(("__name__", "container_metric_\(metric)_total"),
                 ("container", "app-\(pod % 40)"),
                 ("endpoint", "https-metrics"),
                 ("id", "/kubepods/burstable/pod\(pod)-\(String(repeating: "f", count: 8))"),
                 ("instance", "10.0.\(pod % 250).\(pod % 200):10250"),
                 ("job", "kubelet"),
                 ("namespace", "team-\(pod % 20)"),
                 ("node", "node-\(pod % 300).cluster.local"),
                 ("pod", "app-\(pod % 40)-deployment-\(pod)"),
                 ("service", "kubelet"))
    }

    /// Heap bytes of a block of `payload` bytes: malloc rounds to 16 and Swift buffers carry a
    /// 32-byte header.
    static func heapBlock(_ payload: Int) -> Int { (32 + payload + 15) / 16 * 16 }

    /// Bytes the head's structures hold, counted from their capacities (deterministic, unlike
    /// RSS, which other tests running in parallel disturb): everything but chunk bytes.
    static func accountedSeriesBytes(_ s: HeadState) -> Int {
        typealias SeriesFields = (UInt64, Labels, UInt64, ContiguousArray<EncodedChunk>, XORChunk?, Int64, Int64, UInt64, UInt64, Int64, UInt64)
        let object = (16 + MemoryLayout<SeriesFields>.size + 15) / 16 * 16
        var bytes = 0
        for series in s.allSeries {
            bytes += object
            bytes += heapBlock(series.labels.storage.capacity * MemoryLayout<Label>.stride)
            if series.closed.capacity > 0 { bytes += heapBlock(series.closed.capacity * MemoryLayout<EncodedChunk>.stride) }
        }
        bytes += s.byHash.capacity * (8 + 8) + s.byRef.capacity * 8
        bytes += s.seriesPerMetric.capacity * (16 + 8)
        bytes += heapBlock(s.postings.all.capacity * 8)
        for (_, values) in s.postings.index {
            bytes += values.capacity * (16 + 8)
            for (_, list) in values { bytes += heapBlock(list.capacity * 8) }
        }
        bytes += s.postings.index.capacity * (16 + 8)
        return bytes
    }

    @Test("bytes per series and per sample on a Kubernetes-like fleet")
    func bytesPerSeries() throws {
        let seriesCount = ProcessInfo.processInfo.environment["STRATA_HEAD_MEMORY_SERIES"].flatMap(Int.init) ?? 5_000
        let dir = HeadTempDir()
        let labels = (0..<seriesCount).map(Self.fleetLabels)
        // One batch per scrape round of the whole fleet, built before measuring.
        let batchSize = min(5000, seriesCount)
        func makeBatch(round: Int, from: Int) -> SeriesBatch {
            var b = SeriesBatch()
            for i in from..<min(from + batchSize, seriesCount) {
                b.append(labels: labels[i], samples: CollectionOfOne(Sample(timestamp: Int64(round) * 15_000, value: Double(round * 7 + i % 13))))
            }
            return b
        }

        let heapBefore = Self.residentBytes()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        var appendSeconds = 0.0
        var appended = 0
        for round in 0..<Self.samplesPerSeries {
            for from in stride(from: 0, to: seriesCount, by: batchSize) {
                let b = makeBatch(round: round, from: from)
                let start = ContinuousClock.now
                appended += try head.append(b, limits: .unlimited).appended
                appendSeconds += Head.seconds(since: start)
            }
        }
        #expect(appended == seriesCount * Self.samplesPerSeries)
        let heapAfter = Self.residentBytes()

        // Chunk bytes as allocated (array capacity plus its 32-byte header).
        let (chunkHeap, chunkData, symbols, accounted) = head.state.withLock { s -> (Int, Int, Int, Int) in
            var heap = 0, data = 0
            for series in s.allSeries {
                for c in series.closed { heap += c.data.capacity + 32; data += c.data.count }
                if let open = series.open { heap += open.bytes.capacity + 32; data += open.bytes.count }
            }
            return (heap, data, s.symbols.count, Self.accountedSeriesBytes(s))
        }
        let accountedPerSeries = Double(accounted) / Double(seriesCount)
        let total = heapAfter - heapBefore
        let perSeries = Double(total - chunkHeap) / Double(seriesCount)
        let perSample = Double(chunkData) / Double(appended)
        let rate = Double(appended) / appendSeconds
        print("""
            head memory: \(seriesCount) series × \(Self.labelsPerSeries) labels × \(Self.samplesPerSeries) samples; \
            RSS +\(total / 1024) KiB; chunks \(chunkHeap / 1024) KiB allocated, \(chunkData / 1024) KiB data; \
            \(Int(perSeries)) B/series excluding chunks by RSS, \(Int(accountedPerSeries)) B/series by capacities; \(String(format: "%.2f", perSample)) B/sample; \
            \(symbols) symbols; append \(Int(rate)) samples/s (batches of \(batchSize) series × 1 sample)
            """)
        // RSS is disturbed by tests running in parallel; the accounted figure is the one asserted.
        #expect(accountedPerSeries > 0)
        #expect(accountedPerSeries < 1024, "per-series overhead \(accountedPerSeries) B")
        #expect(perSample < 2)

        // What a restart costs at this size: WAL replay, then checkpoint replay.
        let numChunks = head.stats.numChunks
        try head.close()
        var start = ContinuousClock.now
        let fromWAL = try Head(directory: dir.path, logger: headTestLogger)
        let walReplaySeconds = Head.seconds(since: start)
        #expect(fromWAL.stats.numSeries == seriesCount)
        start = ContinuousClock.now
        try fromWAL.checkpoint()
        let checkpointSeconds = Head.seconds(since: start)
        try fromWAL.close()
        start = ContinuousClock.now
        let fromCheckpoint = try Head(directory: dir.path, logger: headTestLogger)
        let checkpointReplaySeconds = Head.seconds(since: start)
        #expect(fromCheckpoint.stats.numSeries == seriesCount)
        #expect(fromCheckpoint.stats.numChunks == numChunks)
        print("""
            head restart: \(seriesCount) series; WAL replay \(String(format: "%.2f", walReplaySeconds)) s; \
            checkpoint \(String(format: "%.2f", checkpointSeconds)) s; \
            replay from checkpoint \(String(format: "%.2f", checkpointReplaySeconds)) s
            """)
        try fromCheckpoint.close()
    }
}
