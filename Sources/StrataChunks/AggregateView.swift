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
    /// A monotonic total with every reset of the raw counter applied, ending at the counter's
    /// last raw value (`rate`, `increase`, `irate`).
    case counter
    /// Mean of each window, sum / count (plain selectors and every other function).
    case average

    /// Turns one series' chunks (ordered by `minTime`; raw XOR chunks and aggregate chunks may
    /// mix) into XOR chunks of the view. A timestamp is kept once, the first chunk holding it
    /// winning. Throws when an aggregate chunk is malformed or lacks the aggregate the view needs.
    public func chunks(from input: [EncodedChunk], samplesPerChunk: Int = XORChunk.maxSamples) throws(ChunkError) -> [EncodedChunk] {
        let samples = try self.samples(from: input)
        var out: [EncodedChunk] = []
        var current = XORChunk()
        for s in samples {
            if current.count >= samplesPerChunk {
                out.append(current.encoded())
                current = XORChunk()
            }
            current.append(timestamp: s.timestamp, value: s.value)
        }
        if current.count > 0 { out.append(current.encoded()) }
        return out
    }

    /// The samples of the view over `input`; see `chunks(from:)`.
    public func samples(from input: [EncodedChunk]) throws(ChunkError) -> [Sample] {
        if self == .counter { return try counterSamples(input) }
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
            case .aggregate:
                let aggr = try AggrChunk(bytes: chunk.data)
                for s in try windows(of: aggr) where s.timestamp > last {
                    out.append(s)
                    last = s.timestamp
                }
            }
        }
        return out
    }

    /// The per-window values of one aggregate chunk for this view (not `.counter`).
    private func windows(of aggr: AggrChunk) throws(ChunkError) -> [Sample] {
        let needed: Aggregate = switch self {
        case .count: .count
        case .sum, .average: .sum
        case .min: .min
        case .max: .max
        case .counter: .counter
        }
        guard aggr.bytes(of: needed) != nil else {
            throw .corrupt("aggregate chunk has no \(needed) aggregate, which a \(rawValue) read needs")
        }
        let values = aggr.samples(of: needed)
        guard self == .average else { return values }
        let counts = aggr.samples(of: .count)
        guard counts.count == values.count else {
            throw .corrupt("aggregate chunk has \(values.count) sums but \(counts.count) counts")
        }
        var out: [Sample] = []
        out.reserveCapacity(values.count)
        for (sum, count) in zip(values, counts) where count.value > 0 {
            out.append(Sample(timestamp: sum.timestamp, value: sum.value / count.value))
        }
        return out
    }

    /// Raw counter samples and counter aggregates read as one reset-adjusted total, then shifted
    /// so that it ends at the counter's true last value: data that follows from another store
    /// (the ingesters' raw samples) then continues it without a false reset.
    private func counterSamples(_ input: [EncodedChunk]) throws(ChunkError) -> [Sample] {
        var reader = CounterAggregate()
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
            case .aggregate:
                let aggr = try AggrChunk(bytes: chunk.data)
                guard aggr.bytes(of: .counter) != nil else {
                    throw .corrupt("aggregate chunk has no counter aggregate, which a counter read needs")
                }
                // As Thanos: a chunk that starts inside what was already read is skipped up to its end.
                reader.add(aggr.samples(of: .counter).filter { $0.timestamp >= next })
            }
        }
        guard let lastTotal = reader.samples.last?.value else { return [] }
        let shift = reader.lastRawValue - lastTotal
        if shift == 0 { return reader.samples }
        return reader.samples.map { Sample(timestamp: $0.timestamp, value: $0.value + shift) }
    }
}
