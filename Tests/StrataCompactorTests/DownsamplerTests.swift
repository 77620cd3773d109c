import StrataChunks
@testable import StrataCompactor
import StrataModel
import Testing

@Suite("Downsampling to 5m and 1h")
struct DownsamplerTests {
    static let day: Int64 = 24 * 3_600_000
    static let scrape: Int64 = 15_000

    /// Two days at 15 s from an hour-aligned start: a counter rising by 1..3 per scrape that resets
    /// every 3 hours, and the same timestamps for a gauge.
    static func counter(days: Int64 = 2) -> [Sample] {
        var out: [Sample] = []
        var v = 0.0
        var t: Int64 = 472_222 * 3_600_000
        let end = t + days * day
        var i = 0
        while t < end {
            v = i % 720 == 0 && i > 0 ? 0 : v + Double(1 + i % 3)
            out.append(Sample(timestamp: t, value: v))
            t += scrape
            i += 1
        }
        return out
    }

    /// The reset-adjusted total of a raw counter at each sample (Thanos's counter semantics).
    static func totals(_ raw: [Sample]) -> [Sample] {
        var reader = CounterAggregate()
        reader.add(raw)
        return reader.samples
    }

    /// Window statistics computed directly from raw samples, by window end.
    static func expectedWindows(_ raw: [Sample], resolution: Int64) -> [(t: Int64, count: Double, sum: Double, min: Double, max: Double)] {
        var out: [(t: Int64, count: Double, sum: Double, min: Double, max: Double)] = []
        for s in raw {
            let end = s.timestamp - s.timestamp % resolution + resolution - 1
            if let last = out.last, last.t == end {
                out[out.count - 1] = (end, last.count + 1, last.sum + s.value, Swift.min(last.min, s.value), Swift.max(last.max, s.value))
            } else {
                out.append((end, 1, s.value, s.value, s.value))
            }
        }
        return out
    }

    static func all(_ chunks: [DownsampledChunk], _ aggregate: Aggregate) -> [Sample] {
        chunks.flatMap { $0.chunk.samples(of: aggregate) }
    }

    @Test func windowEndsFollowThanos() {
        #expect(Downsampler.windowEnd(of: 0, resolution: Resolution.fiveMinutes) == 299_999)
        #expect(Downsampler.windowEnd(of: 299_999, resolution: Resolution.fiveMinutes) == 299_999)
        #expect(Downsampler.windowEnd(of: 300_000, resolution: Resolution.fiveMinutes) == 599_999)
        #expect(Downsampler.windowEnd(of: 3_600_001, resolution: Resolution.oneHour) == 7_199_999)
        // Go's truncating remainder before 1970, as Thanos computes it.
        #expect(Downsampler.windowEnd(of: -1, resolution: Resolution.fiveMinutes) == 299_999)
        #expect(Downsampler.windowEnd(of: .max, resolution: Resolution.fiveMinutes) == .max)
        #expect(Downsampler.windowEnd(of: .min, resolution: Resolution.oneHour) < 0)
        #expect(Downsampler.windowEnd(of: 42, resolution: 0) == 42)
        #expect(Downsampler.downsample(raw: [Sample(timestamp: 1, value: 1)], resolution: 0).isEmpty)
    }

    @Test func chunksHoldAbout140Windows() {
        // Two days at 15 s: 575 possible 5m windows, all filled → 576 expected → 5 chunks.
        #expect(Downsampler.chunkCount(minTime: 0, maxTime: 2 * Self.day - Self.scrape, inputResolution: 60_000,
                                       resolution: Resolution.fiveMinutes, samples: 11_520) == 5)
        // Half as dense as assumed: half the windows.
        #expect(Downsampler.chunkCount(minTime: 0, maxTime: 10 * Self.day, inputResolution: 60_000,
                                       resolution: Resolution.fiveMinutes, samples: 7_200) == 11)
        #expect(Downsampler.chunkCount(minTime: 5, maxTime: 5, inputResolution: 60_000, resolution: Resolution.oneHour, samples: 1) == 1)
        #expect(Downsampler.chunkCount(minTime: .min, maxTime: .max, inputResolution: 60_000, resolution: Resolution.oneHour, samples: 3) >= 1)
    }

    @Test func rawToFiveMinutesKeepsEveryWindowExactly() throws {
        let raw = Self.counter()
        let chunks = Downsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        #expect(chunks.count == 5)
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(a.maxTime < b.minTime, "chunks do not overlap") }
        let expected = Self.expectedWindows(raw, resolution: Resolution.fiveMinutes)
        #expect(expected.count == 576)
        #expect(Self.all(chunks, .count).map(\.value) == expected.map(\.count))
        // Each window is stored inside itself: at its end, or at the chunk's last sample.
        #expect(Self.all(chunks, .count).map { Downsampler.windowEnd(of: $0.timestamp, resolution: Resolution.fiveMinutes) }
                == expected.map(\.t))
        #expect(Self.all(chunks, .sum).map(\.value) == expected.map(\.sum))
        #expect(Self.all(chunks, .min).map(\.value) == expected.map(\.min))
        #expect(Self.all(chunks, .max).map(\.value) == expected.map(\.max))
        #expect(chunks.first?.minTime == expected.first?.t)
        #expect(chunks.last?.maxTime == raw.last?.timestamp)
        // The chunks' bytes survive the aggregate chunk format.
        for c in chunks { #expect(try AggrChunk(bytes: c.chunk.encoded()) == c.chunk) }
    }

    @Test func theCounterAggregateKeepsEveryReset() {
        let raw = Self.counter()
        let chunks = Downsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        var reader = CounterAggregate()
        for c in chunks { reader.add(c.chunk.samples(of: .counter)) }
        let rawTotals = Self.totals(raw)
        // At every window end the downsampled total equals the raw counter's reset-adjusted total.
        let byTime = Dictionary(rawTotals.map { ($0.timestamp, $0.value) }, uniquingKeysWith: { $1 })
        let windows = Set(Self.all(chunks, .count).map(\.timestamp))
        for s in reader.samples where windows.contains(s.timestamp) {
            let rawAt = rawTotals.last { $0.timestamp <= s.timestamp }?.value
            #expect(s.value == rawAt, "total at \(s.timestamp)")
        }
        #expect(reader.samples.first?.value == byTime[raw[0].timestamp])
        #expect(reader.samples.last?.value == rawTotals.last?.value)
        #expect(reader.lastRawValue == raw.last?.value)
    }

    @Test func fiveMinutesToOneHourEqualsRawToOneHour() {
        let raw = Self.counter()
        let fiveMinutes = Downsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        let viaFive = Downsampler.downsample(fiveMinutes, from: Resolution.fiveMinutes, to: Resolution.oneHour)
        let direct = Downsampler.downsample(raw: raw, resolution: Resolution.oneHour)
        let expected = Self.expectedWindows(raw, resolution: Resolution.oneHour)
        #expect(expected.count == 48)
        for aggregate in [Aggregate.count, .sum, .min, .max] {
            #expect(Self.all(viaFive, aggregate) == Self.all(direct, aggregate), "\(aggregate)")
        }
        #expect(Self.all(viaFive, .count).map(\.value) == expected.map(\.count))
        #expect(Self.all(viaFive, .count).allSatisfy { $0.value == 240 })
        var a = CounterAggregate(), b = CounterAggregate()
        for c in viaFive { a.add(c.chunk.samples(of: .counter)) }
        for c in direct { b.add(c.chunk.samples(of: .counter)) }
        let windows = Set(expected.map(\.t))
        #expect(a.samples.filter { windows.contains($0.timestamp) } == b.samples.filter { windows.contains($0.timestamp) })
        #expect(a.samples.last?.value == Self.totals(raw).last?.value)
        #expect(a.lastRawValue == raw.last?.value)
    }

    @Test func staleMarkersAndNaNsAreNotAggregated() {
        let raw = [Sample(timestamp: 0, value: 1), Sample(timestamp: 15_000, value: StaleNaN.value),
                   Sample(timestamp: 30_000, value: .nan), Sample(timestamp: 45_000, value: 3),
                   Sample(timestamp: 20_000, value: 100)]  // back in time: dropped
        let chunks = Downsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        #expect(Self.all(chunks, .count).map(\.value) == [2])
        #expect(Self.all(chunks, .sum).map(\.value) == [4])
        #expect(Self.all(chunks, .max).map(\.value) == [3])
        // The one window ends at the last sample, not past the data.
        #expect(Self.all(chunks, .count).map(\.timestamp) == [45_000])
        #expect(Self.all(chunks, .counter) == [Sample(timestamp: 0, value: 1), Sample(timestamp: 45_000, value: 3),
                                               Sample(timestamp: 45_000, value: 3)])
    }

    @Test func nothingToDownsample() {
        #expect(Downsampler.downsample(raw: [], resolution: Resolution.fiveMinutes).isEmpty)
        #expect(Downsampler.downsample(raw: [Sample(timestamp: 1, value: StaleNaN.value)], resolution: Resolution.fiveMinutes).isEmpty)
        #expect(Downsampler.downsample([], from: Resolution.fiveMinutes, to: Resolution.oneHour).isEmpty)
    }

    @Test func extremeTimestampsDoNotTrap() {
        let raw = [Sample(timestamp: .min + 1, value: 1), Sample(timestamp: -1, value: 2), Sample(timestamp: 0, value: 3),
                   Sample(timestamp: .max - 1, value: 4), Sample(timestamp: .max, value: 5)]
        for resolution in [Resolution.fiveMinutes, Resolution.oneHour] {
            let chunks = Downsampler.downsample(raw: raw, resolution: resolution)
            #expect(Self.all(chunks, .count).reduce(0) { $0 + $1.value } == 5)
            _ = Downsampler.downsample(chunks, from: resolution, to: Resolution.oneHour)
        }
    }
}
