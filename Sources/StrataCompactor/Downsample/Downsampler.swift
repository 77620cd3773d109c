import StrataChunks
import StrataModel

/// One downsampled chunk of a series and the range of its window timestamps.
public struct DownsampledChunk: Sendable, Equatable {
    /// The first window's timestamp, ms.
    public var minTime: Int64
    /// The last window's timestamp, ms.
    public var maxTime: Int64
    /// The five aggregates.
    public var chunk: AggrChunk

    /// A chunk covering `[minTime, maxTime]`.
    public init(minTime: Int64, maxTime: Int64, chunk: AggrChunk) {
        self.minTime = minTime
        self.maxTime = maxTime
        self.chunk = chunk
    }
}

/// Turns one series' raw samples into 5m aggregates, and 5m aggregates into 1h ones, with the
/// same windows, chunk sizes and counter handling as Thanos's compactor, so either reads the
/// other's downsampled blocks and answers the same. See `docs/downsampling.md`.
///
/// A window is `[end − resolution + 1, end]` with `end` aligned to the resolution, and is stored
/// at `end` (or at the chunk's last sample, when the chunk ends inside the window).
public enum Downsampler {
    /// Chunks are sized to hold about this many windows.
    public static let windowsPerChunk = 140
    /// The raw scrape interval assumed when sizing chunks (Thanos assumes the same 1 minute).
    static let assumedRawInterval: Int64 = 60 * 1000

    /// The timestamp of the window of `resolution` that contains `t`: the window's last
    /// millisecond. Saturates at `Int64.max`; a resolution of 0 or less leaves `t` as it is.
    public static func windowEnd(of t: Int64, resolution: Int64) -> Int64 {
        guard resolution > 0 else { return t }
        // Go's truncating remainder, as Thanos computes it, also for times before 1970.
        let (end, overflow) = (t - t % resolution).addingReportingOverflow(resolution - 1)
        return overflow ? .max : end
    }

    /// How many chunks the windows of `[minTime, maxTime]` are split into: the windows the range
    /// would have if filled as densely as `samples` at `inputResolution` fill it, about
    /// `windowsPerChunk` per chunk.
    static func chunkCount(minTime: Int64, maxTime: Int64, inputResolution: Int64, resolution: Int64, samples: Int) -> Int {
        let (span, overflow) = maxTime.subtractingReportingOverflow(minTime)
        let width = overflow ? Double(maxTime) - Double(minTime) : Double(span)
        let possible = (width / Double(resolution)).rounded(.towardZero)
        let fullness = Swift.min(1, Double(samples) / (width / Double(inputResolution)))
        let product = possible * fullness
        let expected = (product.isFinite && product < 1e15 ? Int(product) : 0) + 1
        return expected / (windowsPerChunk + 1) + 1
    }

    /// The index ranges a run of raw samples (`count` of them, `timestamp(i)` increasing) is cut
    /// into, one aggregate chunk each: about `windowsPerChunk` windows per chunk, sized by how
    /// densely the samples fill their time range, each range extended to the end of the window it
    /// stops in so that no window is split between chunks. None for a resolution of 0 or less.
    static func batches(count: Int, resolution: Int64, timestamp: (Int) -> Int64) -> [Range<Int>] {
        guard count > 0, resolution > 0 else { return [] }
        let chunks = chunkCount(minTime: timestamp(0), maxTime: timestamp(count - 1), inputResolution: assumedRawInterval,
                                resolution: resolution, samples: count)
        let batchSize = count / chunks + 1
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            var end = Swift.min(start + batchSize, count)
            let window = windowEnd(of: timestamp(end - 1), resolution: resolution)
            while end < count && timestamp(end) <= window { end += 1 }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// The 5m (or 1h) aggregate chunks of a raw series. Staleness markers and samples that go
    /// back in time are dropped; other NaNs count towards chunk sizes but are not aggregated.
    /// Nothing comes of a resolution of 0 or less.
    public static func downsample(raw: [Sample], resolution: Int64) -> [DownsampledChunk] {
        var data: [Sample] = []
        data.reserveCapacity(raw.count)
        var lastT = Int64.min
        for s in raw where !StaleNaN.isStale(s.value) && s.timestamp >= lastT {
            data.append(s)
            lastT = s.timestamp
        }
        var out: [DownsampledChunk] = []
        for range in batches(count: data.count, resolution: resolution, timestamp: { data[$0].timestamp }) {
            let batch = data[range].filter { !$0.value.isNaN }
            guard let firstRaw = batch.first, let lastRaw = batch.last else { continue }
            var builder = ChunkBuilder()
            var counter = XORChunk()
            // The counter chunk keeps the first and the last raw value around its windows.
            counter.append(timestamp: firstRaw.timestamp, value: firstRaw.value)
            let lastWindow = aggregateWindows(batch, resolution: resolution) { t, w in
                builder.add(t, w)
                counter.append(timestamp: t, value: w.counter)
            }
            guard let lastWindow, let range = builder.range else { continue }
            counter.append(timestamp: lastWindow, value: lastRaw.value)
            out.append(DownsampledChunk(minTime: range.min, maxTime: range.max,
                                        chunk: AggrChunk(count: builder.count, sum: builder.sum, min: builder.min,
                                                         max: builder.max, counter: counter)))
        }
        return out
    }

    /// Aggregate chunks at `inputResolution` re-aggregated to the coarser `resolution`. Input
    /// chunks are never split: a chunk's counter keeps its series' true first and last values.
    public static func downsample(_ chunks: [DownsampledChunk], from inputResolution: Int64, to resolution: Int64) -> [DownsampledChunk] {
        guard resolution > 0, inputResolution > 0, let first = chunks.first, let last = chunks.last else { return [] }
        let windows = chunks.reduce(0) { $0 + $1.chunk.windowCount }
        let count = chunkCount(minTime: first.minTime, maxTime: last.maxTime, inputResolution: inputResolution,
                               resolution: resolution, samples: windows)
        let batchSize = Swift.max(1, chunks.count / count)
        var out: [DownsampledChunk] = []
        var start = 0
        while start < chunks.count {
            let end = Swift.min(start + batchSize, chunks.count)
            if let chunk = reaggregate(chunks[start..<end], resolution: resolution) { out.append(chunk) }
            start = end
        }
        return out
    }

    /// One output chunk from consecutive aggregate chunks.
    static func reaggregate(_ part: ArraySlice<DownsampledChunk>, resolution: Int64) -> DownsampledChunk? {
        var minT = Int64.max, maxT = Int64.min
        func combine(_ aggregate: Aggregate, _ value: (WindowAggregator) -> Double) -> XORChunk? {
            var samples: [Sample] = []
            var lastT = Int64.min
            for chunk in part {
                for s in chunk.chunk.samples(of: aggregate) where !StaleNaN.isStale(s.value) && s.timestamp >= lastT {
                    samples.append(s)
                    lastT = s.timestamp
                }
            }
            var out = XORChunk()
            let any = aggregateWindows(samples, resolution: resolution) { t, w in
                out.append(timestamp: t, value: value(w))
                minT = Swift.min(minT, t)
                maxT = Swift.max(maxT, t)
            }
            return any == nil ? nil : out
        }
        // A window's count is the sum of the finer windows' counts.
        let count = combine(.count) { $0.sum }
        let sum = combine(.sum) { $0.sum }
        let min = combine(.min) { $0.min }
        let max = combine(.max) { $0.max }
        var reader = CounterAggregate()
        for chunk in part { reader.add(chunk.chunk.samples(of: .counter)) }
        var counter: XORChunk?
        if let firstTotal = reader.samples.first {
            var out = XORChunk()
            out.append(timestamp: firstTotal.timestamp, value: firstTotal.value)
            let lastWindow = aggregateWindows(reader.samples, resolution: resolution) { t, w in
                out.append(timestamp: t, value: w.counter)
                minT = Swift.min(minT, t)
                maxT = Swift.max(maxT, t)
            }
            if let lastWindow {
                out.append(timestamp: lastWindow, value: reader.lastRawValue)
                counter = out
            }
        }
        guard minT <= maxT else { return nil }
        return DownsampledChunk(minTime: minT, maxTime: maxT,
                                chunk: AggrChunk(count: count, sum: sum, min: min, max: max, counter: counter))
    }

    /// Calls `emit` with each window's timestamp and statistics, in order; returns the last
    /// window's timestamp, or nil when `data` has no sample but staleness markers.
    static func aggregateWindows<C: BidirectionalCollection<Sample>>(
        _ data: C, resolution: Int64, _ emit: (Int64, WindowAggregator) -> Void
    ) -> Int64? {
        guard let lastT = data.last?.timestamp else { return nil }
        var aggregator = WindowAggregator()
        var window: Int64?
        for s in data where !StaleNaN.isStale(s.value) {
            if let current = window, s.timestamp <= current {
                aggregator.add(s.value)
                continue
            }
            if let current = window { emit(current, aggregator) }
            aggregator.startWindow()
            // A window never ends past the chunk's data, so chunks never overlap.
            window = Swift.min(windowEnd(of: s.timestamp, resolution: resolution), lastT)
            aggregator.add(s.value)
        }
        if let current = window { emit(current, aggregator) }
        return window
    }
}

/// The count, sum, min and max chunks of one output chunk as windows are added.
private struct ChunkBuilder {
    var count = XORChunk(), sum = XORChunk(), min = XORChunk(), max = XORChunk()
    private var first: Int64?
    private var last: Int64 = 0

    /// The first and last window timestamps, once a window was added.
    var range: (min: Int64, max: Int64)? { first.map { ($0, last) } }

    mutating func add(_ t: Int64, _ w: WindowAggregator) {
        count.append(timestamp: t, value: Double(w.count))
        sum.append(timestamp: t, value: w.sum)
        min.append(timestamp: t, value: w.min)
        max.append(timestamp: t, value: w.max)
        if first == nil { first = t }
        last = t
    }
}
