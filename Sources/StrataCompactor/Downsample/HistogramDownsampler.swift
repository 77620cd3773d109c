import StrataChunks
import StrataModel

/// Why native histograms could not be downsampled.
public struct HistogramDownsampleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, and where.
    public var reason: String

    /// An error with `reason`.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// Turns one series' native histograms into 5m aggregates, and 5m aggregates into 1h ones, as
/// Thanos's compactor does (`pkg/compact/downsample`), so either reads the other's blocks. See
/// `docs/downsampling.md#native-histograms`.
///
/// An aggregate chunk of histograms has, per window (the same windows and chunk sizes as for
/// floats): `count`, the number of histograms (XOR); `sum`, the sum of the window's histograms,
/// a gauge histogram; `counter`, the running total since the chunk's first histogram with every
/// counter reset added back (both float histogram sub-chunks); no `min` or `max`. Unlike the
/// float counter, the histogram counter holds no raw first and last values.
public enum HistogramDownsampler {
    /// The 5m (or 1h) aggregate chunks of a run of raw histograms (integer ones converted to
    /// floats). Staleness markers and histograms that go back in time are dropped; histograms
    /// with a NaN sum count towards chunk sizes but are not aggregated. Throws when two
    /// histograms cannot be added (exponential and custom buckets mixed).
    public static func downsample(raw: [FloatHistogramSample], resolution: Int64) throws(HistogramDownsampleError) -> [DownsampledChunk] {
        var data: [FloatHistogramSample] = []
        data.reserveCapacity(raw.count)
        var lastT = Int64.min
        for s in raw where !s.histogram.isStale && s.timestamp >= lastT {
            data.append(s)
            lastT = s.timestamp
        }
        var out: [DownsampledChunk] = []
        for range in Downsampler.batches(count: data.count, resolution: resolution, timestamp: { data[$0].timestamp }) {
            let batch = data[range].filter { !$0.histogram.sum.isNaN }
            guard let head = batch.first else { continue }
            // A batch of gauge histograms keeps gauge totals (Thanos's `isGaugeSamples`).
            let gauge = head.histogram.counterResetHint == .gauge
            var windows: [Window] = []
            try aggregateWindows(batch, resolution: resolution, gauge: gauge) { t, a in
                if let sum = a.sum, let counter = a.counter {
                    windows.append(Window(timestamp: t, count: Double(a.count), sum: sum, counter: counter))
                }
            }
            out += encode(windows)
        }
        return out
    }

    /// Histogram aggregate chunks at one resolution re-aggregated to the coarser `resolution`:
    /// counts added, the sums of a window's sums added, and the counters read again as a
    /// counter (a fall between chunks is a reset). Input chunks are never split.
    public static func downsample(_ chunks: [DownsampledChunk], from inputResolution: Int64,
                                  to resolution: Int64) throws(HistogramDownsampleError) -> [DownsampledChunk] {
        guard resolution > 0, inputResolution > 0, let first = chunks.first, let last = chunks.last else { return [] }
        let windows = chunks.reduce(0) { $0 + $1.chunk.windowCount }
        let count = Downsampler.chunkCount(minTime: first.minTime, maxTime: last.maxTime, inputResolution: inputResolution,
                                           resolution: resolution, samples: windows)
        let batchSize = Swift.max(1, chunks.count / count)
        var out: [DownsampledChunk] = []
        var start = 0
        while start < chunks.count {
            let end = Swift.min(start + batchSize, chunks.count)
            out += try reaggregate(chunks[start..<end], resolution: resolution)
            start = end
        }
        return out
    }

    /// One group of consecutive histogram aggregate chunks re-aggregated.
    static func reaggregate(_ part: ArraySlice<DownsampledChunk>, resolution: Int64) throws(HistogramDownsampleError) -> [DownsampledChunk] {
        func histograms(_ aggregate: Aggregate) -> [FloatHistogramSample] {
            var out: [FloatHistogramSample] = []
            var lastT = Int64.min
            for chunk in part {
                for s in chunk.chunk.histogramSamples(of: aggregate) where !s.histogram.isStale && s.timestamp >= lastT {
                    out.append(s)
                    lastT = s.timestamp
                }
            }
            return out
        }
        var counters: [(Int64, FloatHistogram)] = []
        try aggregateWindows(histograms(.counter), resolution: resolution, gauge: false) { t, a in
            if let counter = a.counter { counters.append((t, counter)) }
        }
        var sums: [(Int64, FloatHistogram)] = []
        try aggregateWindows(histograms(.sum), resolution: resolution, gauge: false) { t, a in
            if let sum = a.sum { sums.append((t, sum)) }
        }
        var countSamples: [Sample] = []
        var lastT = Int64.min
        for chunk in part {
            for s in chunk.chunk.samples(of: .count) where !StaleNaN.isStale(s.value) && s.timestamp >= lastT {
                countSamples.append(s)
                lastT = s.timestamp
            }
        }
        var counts: [(Int64, Double)] = []
        _ = Downsampler.aggregateWindows(countSamples, resolution: resolution) { t, w in counts.append((t, w.sum)) }
        guard counters.count == sums.count, counters.count == counts.count,
              zip(counters, sums).allSatisfy({ $0.0 == $1.0 }), zip(counters, counts).allSatisfy({ $0.0 == $1.0 }) else {
            throw HistogramDownsampleError("histogram aggregate chunks \(part.first?.minTime ?? 0)–\(part.last?.maxTime ?? 0): "
                + "their count, sum and counter aggregates do not have the same windows (\(counts.count), \(sums.count), \(counters.count))")
        }
        var windows: [Window] = []
        windows.reserveCapacity(counters.count)
        for i in counters.indices {
            windows.append(Window(timestamp: counters[i].0, count: counts[i].1, sum: sums[i].1, counter: counters[i].1))
        }
        return encode(windows)
    }

    /// One window's aggregates.
    struct Window {
        var timestamp: Int64
        var count: Double
        var sum: FloatHistogram
        var counter: FloatHistogram
    }

    /// The aggregate chunks of consecutive windows: one chunk, or a new one wherever a float
    /// histogram sub-chunk cannot take the next window (see `HistogramAggregateEncoder`).
    static func encode(_ windows: [Window]) -> [DownsampledChunk] {
        var out: [DownsampledChunk] = []
        var count = XORChunk()
        var sum = HistogramAggregateEncoder()
        var counter = HistogramAggregateEncoder()
        var range: (Int64, Int64)?
        func flush() {
            if let range {
                out.append(DownsampledChunk(minTime: range.0, maxTime: range.1,
                                            chunk: AggrChunk(count: count, histogramSum: sum.chunk, histogramCounter: counter.chunk)))
            }
            count = XORChunk()
            sum = HistogramAggregateEncoder()
            counter = HistogramAggregateEncoder()
            range = nil
        }
        for w in windows {
            var trialSum = sum
            if !(trialSum.append(timestamp: w.timestamp, histogram: w.sum) && counter.append(timestamp: w.timestamp, histogram: w.counter)) {
                flush()
                trialSum = sum
                // A fresh sub-chunk takes any well-formed histogram; a malformed one is left out.
                guard trialSum.append(timestamp: w.timestamp, histogram: w.sum),
                      counter.append(timestamp: w.timestamp, histogram: w.counter) else {
                    counter = HistogramAggregateEncoder()
                    continue
                }
            }
            sum = trialSum
            count.append(timestamp: w.timestamp, value: w.count)
            range = (range?.0 ?? w.timestamp, w.timestamp)
        }
        flush()
        return out
    }

    /// Calls `emit` with each window's timestamp and statistics, in order, as `Downsampler`
    /// does for floats: a window is stored at its last millisecond, or at the last histogram's
    /// timestamp when that comes earlier. Histograms are brought to the smallest schema of
    /// `data` first, as Thanos does.
    static func aggregateWindows(_ data: [FloatHistogramSample], resolution: Int64, gauge: Bool,
                                 _ emit: (Int64, HistogramWindowAggregator) -> Void) throws(HistogramDownsampleError) {
        guard let lastT = data.last?.timestamp else { return }
        let schema = data.reduce(Int32.max) { Swift.min($0, $1.histogram.schema) }
        var aggregator = HistogramWindowAggregator(schema: schema, gauge: gauge)
        var window: Int64?
        for s in data {
            if let current = window, s.timestamp <= current {
                try aggregator.add(s)
                continue
            }
            if let current = window { aggregator.markGauge(); emit(current, aggregator) }
            aggregator.startWindow()
            window = Swift.min(Downsampler.windowEnd(of: s.timestamp, resolution: resolution), lastT)
            try aggregator.add(s)
        }
        if let current = window { aggregator.markGauge(); emit(current, aggregator) }
    }
}

/// Running statistics of one histogram series while it is downsampled (Thanos's
/// `histogramAggregator`): the window's count and sum, and the counter total since the first
/// histogram, all at the batch's smallest schema.
struct HistogramWindowAggregator {
    /// Histograms added since the batch began.
    private(set) var total = 0
    /// Histograms in the current window.
    private(set) var count = 0
    /// Sum of the current window's histograms, a gauge histogram.
    private(set) var sum: FloatHistogram?
    /// The first histogram plus every increase since, and the whole histogram after a reset.
    private(set) var counter: FloatHistogram?
    private var previous: FloatHistogram?
    let schema: Int32
    /// Gauge histograms: the totals are marked as gauges too.
    let gauge: Bool

    init(schema: Int32, gauge: Bool) {
        self.schema = schema
        self.gauge = gauge
    }

    /// Starts a new window; the counter carries on.
    mutating func startWindow() {
        count = 0
        sum = nil
    }

    /// Marks the totals as gauge histograms for a gauge batch, before a window is emitted.
    mutating func markGauge() {
        guard gauge else { return }
        counter?.counterResetHint = .gauge
        sum?.counterResetHint = .gauge
    }

    /// Adds one histogram. A fall from the previous histogram (`detectReset`, unless the
    /// histogram is a gauge) adds the whole histogram to the counter, a rise its difference.
    mutating func add(_ s: FloatHistogramSample) throws(HistogramDownsampleError) {
        let original = s.histogram
        let h = original.schema > schema ? original.reducedResolution(to: schema) : original
        do {
            if let previous, var total = counter {
                if h.counterResetHint != .gauge && original.detectReset(previous: previous) {
                    try total.add(h)
                } else {
                    var delta = h
                    try delta.subtract(previous)
                    try total.add(delta)
                }
                counter = total
            } else {
                counter = h
            }
            if var window = sum {
                try window.add(h)
                sum = window
            } else {
                sum = h
            }
        } catch {
            throw HistogramDownsampleError("histogram at \(s.timestamp) cannot be aggregated with the one before: \(error)")
        }
        sum?.counterResetHint = .gauge
        previous = h
        count += 1
        total += 1
    }
}

extension Downsampler {
    /// The aggregate chunks of a series whose raw samples may switch between floats and native
    /// histograms: each run of one kind is downsampled on its own (its own chunk sizes), so the
    /// output is cut at every switch, as in Thanos.
    static func downsample(mixed samples: [HistogramMerge.AnySample], resolution: Int64) throws(HistogramDownsampleError) -> [DownsampledChunk] {
        var out: [DownsampledChunk] = []
        var i = 0
        while i < samples.count {
            let isFloat = samples[i].kind == 0
            var j = i
            while j < samples.count && (samples[j].kind == 0) == isFloat { j += 1 }
            let run = samples[i..<j]
            if isFloat {
                out += downsample(raw: run.compactMap { if case .float(let s) = $0 { return s }; return nil }, resolution: resolution)
            } else {
                out += try HistogramDownsampler.downsample(raw: run.compactMap { (s: HistogramMerge.AnySample) -> FloatHistogramSample? in
                    switch s {
                    case .float: return nil
                    case .integer(let s): return FloatHistogramSample(timestamp: s.timestamp, histogram: s.histogram.toFloat())
                    case .floatHistogram(let s): return s
                    }
                }, resolution: resolution)
            }
            i = j
        }
        return out
    }

    /// Aggregate chunks of one series re-aggregated to `resolution`, each run of float or of
    /// histogram aggregate chunks on its own (its own chunk sizes), as Thanos cuts them.
    public static func downsampleRuns(_ chunks: [DownsampledChunk], from inputResolution: Int64,
                                      to resolution: Int64) throws(HistogramDownsampleError) -> [DownsampledChunk] {
        var out: [DownsampledChunk] = []
        var i = 0
        while i < chunks.count {
            let histogram = chunks[i].chunk.isHistogram
            var j = i
            while j < chunks.count && chunks[j].chunk.isHistogram == histogram { j += 1 }
            let run = Array(chunks[i..<j])
            if histogram {
                out += try HistogramDownsampler.downsample(run, from: inputResolution, to: resolution)
            } else {
                out += downsample(run, from: inputResolution, to: resolution)
            }
            i = j
        }
        return out
    }
}
