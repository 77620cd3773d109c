import StrataChunks
import StrataModel

/// The native histogram samples of one series' chunks, for remote read's SAMPLES answer.
enum RemoteReadHistograms {
    /// Every histogram sample of the `.histogram` and `.floatHistogram` chunks within
    /// `[minTime, maxTime]`, in time order. Chunks may overlap (replicas, head and block); a
    /// timestamp is kept once, from the earliest chunk in the list that holds it, as
    /// `ChunkSeriesIterator` does for floats. Decoding stops once more than `budget` samples
    /// were collected (the caller then refuses the response as too large).
    static func points(of chunks: [EncodedChunk], minTime: Int64, maxTime: Int64, budget: Int) -> [HistogramPoint] {
        var collected: [(order: Int, point: HistogramPoint)] = []
        var disjoint = true
        var lastEnd = Int64.min
        for (order, chunk) in chunks.enumerated() where chunk.maxTime >= minTime && chunk.minTime <= maxTime {
            guard chunk.encoding == .histogram || chunk.encoding == .floatHistogram else { continue }
            if chunk.minTime <= lastEnd { disjoint = false }
            lastEnd = max(lastEnd, chunk.maxTime)
            switch chunk.encoding {
            case .histogram:
                var it = HistogramIterator(bytes: chunk.data)
                while let s = it.next(), collected.count <= budget {
                    if s.timestamp > maxTime { break }
                    if s.timestamp >= minTime {
                        collected.append((order, HistogramPoint(timestamp: s.timestamp, value: .integer(s.histogram))))
                    }
                }
            case .floatHistogram:
                var it = FloatHistogramIterator(bytes: chunk.data)
                while let s = it.next(), collected.count <= budget {
                    if s.timestamp > maxTime { break }
                    if s.timestamp >= minTime {
                        collected.append((order, HistogramPoint(timestamp: s.timestamp, value: .float(s.histogram))))
                    }
                }
            case .xor, .aggregate:
                continue
            }
            if collected.count > budget { break }
        }
        if disjoint { return collected.map(\.point) }
        // Overlapping chunks: order by time, the earliest chunk first on equal timestamps.
        collected.sort { ($0.point.timestamp, $0.order) < ($1.point.timestamp, $1.order) }
        var out: [HistogramPoint] = []
        out.reserveCapacity(collected.count)
        for entry in collected where out.last?.timestamp != entry.point.timestamp {
            out.append(entry.point)
        }
        return out
    }
}
