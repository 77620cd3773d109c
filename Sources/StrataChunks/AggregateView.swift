import StrataModel

/// What a query reads from downsampled data: one aggregate of each window, or a view built
/// from them. Raw samples in the same series (where no downsampled block covers the range) are
/// turned into the same view, so one function sees one kind of data. See docs/downsampling.md.
public enum AggregateView: String, Sendable, CaseIterable {
    /// Samples per window; a raw sample counts 1 (read by `count_over_time`, which then sums).
    case count
    /// Sum of each window; a raw sample is its own sum (`sum_over_time`).
    case sum
    /// Smallest value of each window (`min_over_time`).
    case min
    /// Largest value of each window (`max_over_time`).
    case max
    /// A monotonic total with every reset of the raw counter applied (`rate`, `increase`, `irate`).
    case counter
    /// Mean of each window, sum / count (plain selectors and every other function).
    case average

    /// Turns one series' chunks (ordered by `minTime`; raw XOR chunks and aggregate chunks may
    /// mix) into XOR chunks of the view. Native histograms (raw histogram chunks, and aggregate
    /// chunks with float histogram sub-chunks) become float histogram chunks of the view (XOR
    /// chunks for `count`), each run of one kind on its own. A timestamp is kept once, the first
    /// chunk holding it winning. Throws when an aggregate chunk is malformed or lacks the
    /// aggregate the view needs.
    /// `resolution` is the series' coarsest resolution (ms): counter points that fall in one
    /// window of it are one point (see `samples(from:resolution:)`).
    public func chunks(from input: [EncodedChunk], resolution: Int64 = 0,
                       samplesPerChunk: Int = XORChunk.maxSamples) throws(ChunkError) -> [EncodedChunk] {
        if let direct = try directChunks(input) { return direct }
        var kinds: [Bool] = []
        kinds.reserveCapacity(input.count)
        for chunk in input { kinds.append(try Self.holdsHistograms(chunk)) }
        guard kinds.contains(true) else {
            return Rechunker.chunks(of: try samples(from: input, resolution: resolution), samplesPerChunk: samplesPerChunk)
        }
        // Runs of float chunks and of native histogram chunks (raw or aggregate), each in its kind.
        var out: [EncodedChunk] = []
        var i = 0
        while i < input.count {
            var j = i
            while j < input.count && kinds[j] == kinds[i] { j += 1 }
            let run = Array(input[i..<j])
            if !kinds[i] {
                out += Rechunker.chunks(of: try samples(from: run, resolution: resolution), samplesPerChunk: samplesPerChunk)
            } else if self == .count {
                out += Rechunker.chunks(of: try histogramCounts(run), samplesPerChunk: samplesPerChunk)
            } else {
                out += HistogramRechunker.chunks(of: try histogramSamples(from: run, resolution: resolution),
                                                 samplesPerChunk: samplesPerChunk)
            }
            i = j
        }
        return out
    }

    /// True for a raw native histogram chunk and for an aggregate chunk of native histograms
    /// (float histogram `counter` or `sum` sub-chunk).
    static func holdsHistograms(_ chunk: EncodedChunk) throws(ChunkError) -> Bool {
        switch chunk.encoding {
        case .xor: return false
        case .histogram, .floatHistogram: return true
        case .aggregate:
            let encodings = try AggrChunk.entries(chunk.data, through: .counter).encodings
            return (encodings[Aggregate.counter.rawValue] ?? encodings[Aggregate.sum.rawValue]) == .floatHistogram
        }
    }

    /// The `count` view of native histogram chunks: 1 per raw histogram (staleness markers
    /// left out), the `count` aggregate of each window.
    private func histogramCounts(_ input: [EncodedChunk]) throws(ChunkError) -> [Sample] {
        var out: [Sample] = []
        var last = Int64.min
        for chunk in input {
            switch chunk.encoding {
            case .xor:
                continue
            case .histogram, .floatHistogram:
                for s in try Self.rawHistograms(chunk) where s.timestamp > last && !s.histogram.isStale {
                    out.append(Sample(timestamp: s.timestamp, value: 1))
                    last = s.timestamp
                }
            case .aggregate:
                for s in try Self.decode(.count, in: chunk.data, view: self) where s.timestamp > last {
                    out.append(s)
                    last = s.timestamp
                }
            }
        }
        return out
    }

    /// The view over native histogram chunks (not `.count`): a raw histogram is its own sum,
    /// mean and counter value; an aggregate chunk gives its `sum`, `sum / count`, or `counter`
    /// histograms per window, as Thanos reads them. `min` and `max` have no histogram
    /// aggregate (PromQL's `min_over_time` and `max_over_time` ignore histograms): none.
    /// Counter points in one window of `resolution` become the later one, as for floats.
    private func histogramSamples(from input: [EncodedChunk], resolution: Int64) throws(ChunkError) -> [FloatHistogramSample] {
        if self == .min || self == .max { return [] }
        var out: [FloatHistogramSample] = []
        var last = Int64.min
        for chunk in input {
            switch chunk.encoding {
            case .xor:
                continue
            case .histogram, .floatHistogram:
                for s in try Self.rawHistograms(chunk) where s.timestamp > last {
                    if self == .counter && s.histogram.isStale { continue }
                    out.append(s)
                    last = s.timestamp
                }
            case .aggregate:
                for s in try histogramWindows(of: chunk.data) where s.timestamp > last {
                    out.append(s)
                    last = s.timestamp
                }
            }
        }
        guard self == .counter, resolution > 0, out.count > 1 else { return out }
        var kept: [FloatHistogramSample] = []
        kept.reserveCapacity(out.count)
        for p in out {
            if let previous = kept.last, Self.window(previous.timestamp, resolution) == Self.window(p.timestamp, resolution) {
                kept[kept.count - 1] = p
            } else {
                kept.append(p)
            }
        }
        return kept
    }

    /// The per-window histograms of one histogram aggregate chunk for this view.
    private func histogramWindows(of bytes: [UInt8]) throws(ChunkError) -> [FloatHistogramSample] {
        let needed: Aggregate = self == .counter ? .counter : .sum
        let values = try Self.decodeHistograms(needed, in: bytes, view: self)
        guard self == .average else { return values }
        return try Self.averages(values, counts: try Self.decode(.count, in: bytes, view: self)) {
            FloatHistogramSample(timestamp: $0.timestamp, histogram: $0.histogram.divided(by: $1))
        }
    }

    /// Each window's sum divided by its sample count, windows without samples left out; `sums`
    /// and `counts` are one aggregate chunk's, window by window.
    private static func averages<S>(_ sums: [S], counts: [Sample],
                                    _ divide: (S, Double) -> S) throws(ChunkError) -> [S] {
        guard counts.count == sums.count else {
            throw .corrupt("aggregate chunk has \(sums.count) sums but \(counts.count) counts")
        }
        var out: [S] = []
        out.reserveCapacity(sums.count)
        for (sum, count) in zip(sums, counts) where count.value > 0 {
            out.append(divide(sum, count.value))
        }
        return out
    }

    /// The samples of a raw histogram or float histogram chunk, as float histograms.
    static func rawHistograms(_ chunk: EncodedChunk) throws(ChunkError) -> [FloatHistogramSample] {
        var out: [FloatHistogramSample] = []
        if chunk.encoding == .histogram {
            var it = HistogramIterator(bytes: chunk.data)
            while let s = it.next() { out.append(FloatHistogramSample(timestamp: s.timestamp, histogram: s.histogram.toFloat())) }
            if let error = it.error { throw error }
        } else {
            var it = FloatHistogramIterator(bytes: chunk.data)
            while let s = it.next() { out.append(s) }
            if let error = it.error { throw error }
        }
        return out
    }

    /// The histograms of `aggregate` in a histogram aggregate chunk's bytes; throws when it is
    /// absent, not a float histogram sub-chunk, or does not decode.
    static func decodeHistograms(_ aggregate: Aggregate, in bytes: [UInt8], view: AggregateView) throws(ChunkError) -> [FloatHistogramSample] {
        guard let part = try AggrChunk.encodedSubChunk(aggregate, in: bytes) else {
            throw .corrupt("aggregate chunk has no \(aggregate) aggregate, which a \(view.rawValue) read needs")
        }
        guard part.encoding == .floatHistogram else {
            throw .corrupt("aggregate chunk of histograms has an XOR \(aggregate) aggregate")
        }
        var it = FloatHistogramIterator(bytes: part.data)
        var out: [FloatHistogramSample] = []
        out.reserveCapacity(it.declaredCount)
        while let s = it.next() { out.append(s) }
        if let error = it.error { throw .corrupt("aggregate chunk: \(aggregate): \(error)") }
        return out
    }

    /// The usual case without decoding: chunks that do not overlap, read as `count`, `sum`,
    /// `min` or `max`. An aggregate chunk's sub-chunk of that aggregate is an XOR chunk of the
    /// windows already, and a raw chunk is its own sum, min and max. Nil when a chunk overlaps
    /// the previous one, when the view needs values computed (`average`, `counter`), or for a
    /// raw chunk read as `count`.
    private func directChunks(_ input: [EncodedChunk]) throws(ChunkError) -> [EncodedChunk]? {
        let aggregate: Aggregate
        switch self {
        case .count: aggregate = .count
        case .sum: aggregate = .sum
        case .min: aggregate = .min
        case .max: aggregate = .max
        case .counter, .average: return nil
        }
        var out: [EncodedChunk] = []
        out.reserveCapacity(input.count)
        var lastMax = Int64.min
        for chunk in input {
            guard out.isEmpty || chunk.minTime > lastMax else { return nil }
            lastMax = chunk.maxTime
            switch chunk.encoding {
            case .xor:
                guard self != .count else { return nil }
                out.append(chunk)
            case .histogram, .floatHistogram:
                // Native histograms are turned into the view by decoding (`histogramSamples`).
                return nil
            case .aggregate:
                // Histogram aggregates are turned into their view by decoding.
                if try Self.holdsHistograms(chunk) { return nil }
                guard let data = try AggrChunk.subChunk(aggregate, in: chunk.data) else {
                    throw .corrupt("aggregate chunk has no \(aggregate) aggregate, which a \(rawValue) read needs")
                }
                out.append(EncodedChunk(minTime: chunk.minTime, maxTime: chunk.maxTime, encoding: .xor, data: data))
            }
        }
        return out
    }

    /// The samples of the view over `input`; see `chunks(from:)`. For `.counter`, points in the
    /// same window of `resolution` (a window split between two chunks, as Thanos's 5m→1h
    /// grouping can leave it) become the later one, so points stay one window apart.
    public func samples(from input: [EncodedChunk], resolution: Int64 = 0) throws(ChunkError) -> [Sample] {
        if self == .counter { return try counterSamples(input, resolution: resolution) }
        var out: [Sample] = []
        var last = Int64.min
        for chunk in input {
            switch chunk.encoding {
            case .xor:
                var it = XORIterator(bytes: chunk.data)
                while let s = it.next() {
                    if s.timestamp <= last { continue }
                    if self == .count {
                        if StaleNaN.isStale(s.value) { continue }
                        out.append(Sample(timestamp: s.timestamp, value: 1))
                    } else {
                        out.append(s)
                    }
                    last = s.timestamp
                }
                if let error = it.error { throw error }
            case .histogram, .floatHistogram:
                // Float views skip histogram samples, as a float read of a series does.
                continue
            case .aggregate:
                // Float views skip native histogram aggregates, as they skip raw histograms.
                if try Self.holdsHistograms(chunk) { continue }
                for s in try windows(of: chunk.data) where s.timestamp > last {
                    out.append(s)
                    last = s.timestamp
                }
            }
        }
        return out
    }

    /// The per-window values of one aggregate chunk (its bytes) for this view (not `.counter`).
    private func windows(of bytes: [UInt8]) throws(ChunkError) -> [Sample] {
        let needed: Aggregate = switch self {
        case .count: .count
        case .sum, .average: .sum
        case .min: .min
        case .max: .max
        case .counter: .counter
        }
        let values = try Self.decode(needed, in: bytes, view: self)
        guard self == .average else { return values }
        return try Self.averages(values, counts: try Self.decode(.count, in: bytes, view: self)) {
            Sample(timestamp: $0.timestamp, value: $0.value / $1)
        }
    }

    /// Raw counter samples and counter aggregates read as one reset-adjusted total that starts at
    /// the first raw value, as Thanos reads them. Raw samples from another store in the same
    /// series (the ingesters' recent data) go through the same reader, which compares them with
    /// the true last raw value of the aggregates, so no false reset appears where they meet.
    ///
    /// Only window totals (and raw samples) become points: an aggregate chunk's leading raw
    /// sample carries the increase across the chunk boundary into the first window's total, but
    /// as a point of its own it would put two points in one window, and `rate` extrapolates from
    /// the average spacing of points.
    private func counterSamples(_ input: [EncodedChunk], resolution: Int64) throws(ChunkError) -> [Sample] {
        var reader = CounterAggregate()
        var leading = Set<Int64>()
        for chunk in input {
            let next: Int64 = reader.samples.last.map { $0.timestamp &+ 1 } ?? .min
            switch chunk.encoding {
            case .xor:
                var it = XORIterator(bytes: chunk.data)
                var raw: [Sample] = []
                while let s = it.next() {
                    if s.timestamp >= next && !StaleNaN.isStale(s.value) { raw.append(s) }
                }
                if let error = it.error { throw error }
                reader.add(raw)
            case .histogram, .floatHistogram:
                // Float views skip histogram samples, as a float read of a series does.
                continue
            case .aggregate:
                if try Self.holdsHistograms(chunk) { continue }
                // As Thanos: a chunk that starts inside what was already read is skipped up to its end.
                let counter = try Self.decode(.counter, in: chunk.data, view: self).filter { $0.timestamp >= next }
                if counter.count > 1, counter[1].timestamp > counter[0].timestamp { leading.insert(counter[0].timestamp) }
                reader.add(counter)
            }
        }
        var points = leading.isEmpty ? reader.samples : reader.samples.filter { !leading.contains($0.timestamp) }
        if resolution > 0 && points.count > 1 {
            var kept: [Sample] = []
            kept.reserveCapacity(points.count)
            for p in points {
                if let last = kept.last, Self.window(last.timestamp, resolution) == Self.window(p.timestamp, resolution) {
                    kept[kept.count - 1] = p
                } else {
                    kept.append(p)
                }
            }
            points = kept
        }
        return points
    }

    /// The window of `resolution` holding `t` (floor division, also before 1970).
    static func window(_ t: Int64, _ resolution: Int64) -> Int64 {
        let q = t / resolution
        return t % resolution < 0 ? q - 1 : q
    }

    /// The samples of `aggregate` in an aggregate chunk's bytes; throws when it is absent or
    /// does not decode.
    static func decode(_ aggregate: Aggregate, in bytes: [UInt8], view: AggregateView) throws(ChunkError) -> [Sample] {
        guard let part = try AggrChunk.encodedSubChunk(aggregate, in: bytes) else {
            throw .corrupt("aggregate chunk has no \(aggregate) aggregate, which a \(view.rawValue) read needs")
        }
        guard part.encoding == .xor else {
            throw .corrupt("aggregate chunk: \(aggregate) is a float histogram sub-chunk where floats were expected")
        }
        let data = part.data
        var it = XORIterator(bytes: data)
        var out: [Sample] = []
        out.reserveCapacity(it.declaredCount)
        while let s = it.next() { out.append(s) }
        if let error = it.error { throw .corrupt("aggregate chunk: \(aggregate): \(error)") }
        return out
    }
}
