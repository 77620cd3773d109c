import StrataChunks
import StrataModel

/// Vertical de-duplication of one series' samples from several blocks (the replicas' copies).
///
/// The rule, also in docs/compactor.md: a timestamp is kept once. Where the inputs hold
/// different values at one timestamp, the value of the first input wins — inputs are ordered by
/// block ID, so the block written first (the earliest ULID) decides, whichever compactor or
/// order of runs merges them. Within one input a repeated timestamp keeps its first value too.
enum SampleMerge {
    /// The decoded samples of `chunks` (one input's chunks of one series), in time order with
    /// each timestamp once. Throws naming `block` when a chunk is not a valid XOR chunk.
    static func decode(_ chunks: [EncodedChunk], block: String, series: Labels) throws(CompactionError) -> [Sample] {
        var out: [Sample] = []
        var sorted = true
        for chunk in chunks {
            guard chunk.encoding == .xor else {
                throw .sourceBlock(block: block, reason: "series \(series): chunk encoding \(chunk.encoding) in a raw block")
            }
            var it = XORIterator(bytes: chunk.data)
            while let s = it.next() {
                if let last = out.last, s.timestamp <= last.timestamp { sorted = false }
                out.append(s)
            }
            if let error = it.error {
                throw .sourceBlock(block: block, reason: "series \(series): chunk \(chunk.minTime)–\(chunk.maxTime): \(error)")
            }
        }
        if sorted { return out }
        // Overlapping chunks inside one block.
        return orderedUnique(out)
    }

    /// `samples` in time order with each timestamp once: a stable sort, so the first copy of a
    /// timestamp is the one kept.
    static func orderedUnique<S: TimestampedSample>(_ samples: [S]) -> [S] {
        let ordered = samples.enumerated().sorted {
            $0.element.timestamp != $1.element.timestamp ? $0.element.timestamp < $1.element.timestamp : $0.offset < $1.offset
        }
        var deduped: [S] = []
        deduped.reserveCapacity(ordered.count)
        for (_, s) in ordered where deduped.last?.timestamp != s.timestamp { deduped.append(s) }
        return deduped
    }

    /// Merges inputs that are each in time order without repeats into one such sequence; at a
    /// timestamp several inputs hold, the earliest input in `inputs` wins.
    static func merge<S: TimestampedSample>(_ inputs: [[S]]) -> [S] {
        let live = inputs.filter { !$0.isEmpty }
        if live.count <= 1 { return live.first ?? [] }
        var out: [S] = []
        out.reserveCapacity(live.map(\.count).max() ?? 0)
        var positions = [Int](repeating: 0, count: live.count)
        while true {
            var best = -1
            var bestTime = Int64.max
            for i in live.indices where positions[i] < live[i].count {
                let t = live[i][positions[i]].timestamp
                if best < 0 || t < bestTime {
                    best = i
                    bestTime = t
                }
            }
            guard best >= 0 else { return out }
            out.append(live[best][positions[best]])
            for i in live.indices where positions[i] < live[i].count && live[i][positions[i]].timestamp == bestTime {
                positions[i] += 1
            }
        }
    }
}

/// A sample of any kind with its timestamp: what the merge and de-duplication of float and
/// histogram series share.
protocol TimestampedSample {
    var timestamp: Int64 { get }
}

extension Sample: TimestampedSample {}
