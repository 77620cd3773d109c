import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataChunks
@testable import StrataCompactor
import StrataModel
import StrataObjstore
import Testing

@Suite("Compactor downsampling")
struct DownsamplingCompactorTests {
    typealias F = CompactorFixture
    static let h = F.hour

    /// Four days of 24 h raw blocks at 60 s: a counter with resets and a gauge.
    static func uploadRaw(_ f: F, tenant: String, days: Int = 4) async throws -> [Labels: [Sample]] {
        var all: [Labels: [Sample]] = [:]
        for d in 0..<days {
            let lo = F.start + Int64(d) * 24 * h, hi = lo + 24 * h
            let counter = F.series(0..<3, from: lo, to: hi, step: 60_000, value: { i, t in
                Double((t / 60_000) % 500) * Double(i + 1)
            }).map { (Labels(Array($0.0) + [Label(name: "kind", value: "counter")]), $0.1) }
            let gauge = F.series(0..<3, from: lo, to: hi, step: 60_000, value: { i, t in
                sin(Double(t) / 3.6e6) * 100 + Double(i)
            }).map { (Labels(Array($0.0) + [Label(name: "kind", value: "gauge")]), $0.1) }
            for (labels, samples) in counter + gauge { all[labels, default: []] += samples }
            try await f.upload(counter + gauge, tenant: tenant, minTime: lo, maxTime: hi)
        }
        return all
    }

    @Test("raw blocks become 5m blocks of 48h windows, and 5m blocks 1h blocks, in Thanos's layout")
    func rawToFiveMinutesToOneHour() async throws {
        let f = try F()
        let raw = try await Self.uploadRaw(f, tenant: "t")
        let compactor = f.compactor { c in
            c.downsamplingEnabled = true
            c.oneHourBlockRange = .seconds(96 * 3600)
            c.oneHourMinSourceRange = .seconds(96 * 3600)
        }
        let report = await compactor.runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let live = try await f.liveBlocks("t")
        let five = live.filter { $0.resolution == Resolution.fiveMinutes }.sorted { $0.minTime < $1.minTime }
        let hour = live.filter { $0.resolution == Resolution.oneHour }
        #expect(live.filter { $0.resolution == 0 }.count == 4, "raw blocks stay")
        #expect(five.map(\.minTime) == [F.start, F.start + 48 * Self.h])
        #expect(hour.count == 1)
        #expect(hour.first?.minTime == F.start && hour.first?.maxTime == F.start + 96 * Self.h)

        // The 5m blocks hold exactly what the downsampler makes of each series' raw samples.
        for block in five {
            let opened = try await f.open("t", block.id)
            #expect(opened.meta.thanos?.downsample.resolution == Resolution.fiveMinutes)
            for ref in try opened.index.allPostings() {
                let series = try opened.index.series(ref)
                let chunks = try series.chunks.map { try opened.chunks.chunk($0) }
                #expect(chunks.allSatisfy { $0.encoding == .aggregate })
                let samples = (raw[series.labels] ?? []).filter { $0.timestamp >= block.minTime && $0.timestamp < block.maxTime }
                let want = Downsampler.downsample(raw: samples, resolution: Resolution.fiveMinutes)
                #expect(chunks.map(\.data) == want.map { $0.chunk.encoded() }, "\(series.labels)")
                #expect(chunks.map(\.minTime) == want.map(\.minTime))
            }
        }
        // The 1h block's counts and sums per hour equal those of the raw data.
        let opened = try await f.open("t", hour[0].id)
        var checked = 0
        for ref in try opened.index.allPostings() {
            let series = try opened.index.series(ref)
            let chunks = try series.chunks.map { try AggrChunk(bytes: opened.chunks.chunk($0).data) }
            let direct = Downsampler.downsample(raw: raw[series.labels] ?? [], resolution: Resolution.oneHour)
            #expect(chunks.flatMap { $0.samples(of: .count) } == direct.flatMap { $0.chunk.samples(of: .count) })
            #expect(chunks.flatMap { $0.samples(of: .max) } == direct.flatMap { $0.chunk.samples(of: .max) })
            checked += 1
        }
        #expect(checked == 6)

        // Nothing more to do: a second run writes nothing.
        let again = await compactor.runOnce()
        #expect(again.tenants.values.allSatisfy { $0.jobs == 0 })
    }
}
