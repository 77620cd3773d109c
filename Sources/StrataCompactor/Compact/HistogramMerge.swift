import StrataChunks
import StrataModel

/// Vertical de-duplication of a series whose raw chunks hold native histograms (histogram or
/// float-histogram chunks, possibly next to XOR chunks when the series changed kind).
///
/// The rule is `SampleMerge`'s: each timestamp is kept once, from the earliest input holding it
/// (inputs ordered by block ID), whatever the kind of sample there. The merged samples are
/// encoded again in runs of one kind: floats as XOR chunks of `samplesPerChunk`, histograms with
/// `HistogramRechunker` (a new chunk wherever the encoder needs one: counter reset, layout change;
/// at most `HistogramRechunker`'s default of 120 samples per chunk).
enum HistogramMerge {
    /// One sample of any raw kind.
    enum AnySample: TimestampedSample {
        case float(Sample)
        case integer(HistogramSample)
        case floatHistogram(FloatHistogramSample)

        var timestamp: Int64 {
            switch self {
            case .float(let s): return s.timestamp
            case .integer(let s): return s.timestamp
            case .floatHistogram(let s): return s.timestamp
            }
        }

        /// 0 float, 1 integer histogram, 2 float histogram.
        var kind: Int {
            switch self {
            case .float: return 0
            case .integer: return 1
            case .floatHistogram: return 2
            }
        }
    }

    /// Whether any input chunk of `series` is a histogram chunk.
    static func holdsHistograms(_ series: MergedSeries) -> Bool {
        series.inputs.contains { $0.chunks.contains { $0.encoding == .histogram || $0.encoding == .floatHistogram } }
    }

    /// The merged chunks of `series` (raw inputs, at least one histogram chunk).
    static func mergedChunks(_ series: MergedSeries, blockIDs: [String], samplesPerChunk: Int) throws(CompactionError) -> [EncodedChunk] {
        var decoded: [[AnySample]] = []
        for input in series.inputs {
            decoded.append(try decode(input.chunks, block: blockIDs[input.input], series: series.labels))
        }
        return encode(SampleMerge.merge(decoded), samplesPerChunk: samplesPerChunk)
    }

    /// One input's chunks decoded, in time order, each timestamp once (the first copy).
    static func decode(_ chunks: [EncodedChunk], block: String, series: Labels) throws(CompactionError) -> [AnySample] {
        var out: [AnySample] = []
        func fail(_ chunk: EncodedChunk, _ error: ChunkError) -> CompactionError {
            .sourceBlock(block: block, reason: "series \(series): chunk \(chunk.minTime)–\(chunk.maxTime): \(error)")
        }
        for chunk in chunks {
            switch chunk.encoding {
            case .xor:
                var it = XORIterator(bytes: chunk.data)
                while let s = it.next() { out.append(.float(s)) }
                if let error = it.error { throw fail(chunk, error) }
            case .histogram:
                var it = HistogramIterator(bytes: chunk.data)
                while let s = it.next() { out.append(.integer(s)) }
                if let error = it.error { throw fail(chunk, error) }
            case .floatHistogram:
                var it = FloatHistogramIterator(bytes: chunk.data)
                while let s = it.next() { out.append(.floatHistogram(s)) }
                if let error = it.error { throw fail(chunk, error) }
            case .aggregate:
                throw .sourceBlock(block: block, reason: "series \(series): an aggregate chunk in a raw block")
            }
        }
        return SampleMerge.orderedUnique(out)
    }

    /// Encodes runs of one kind into chunks of that kind's encoding, in time order.
    static func encode(_ samples: [AnySample], samplesPerChunk: Int) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        var i = 0
        while i < samples.count {
            let kind = samples[i].kind
            var j = i
            while j < samples.count && samples[j].kind == kind { j += 1 }
            let run = samples[i..<j]
            switch kind {
            case 0:
                out += Rechunker.chunks(of: run.compactMap { if case .float(let s) = $0 { return s }; return nil },
                                        samplesPerChunk: samplesPerChunk)
            case 1:
                out += HistogramRechunker.chunks(of: run.compactMap { if case .integer(let s) = $0 { return s }; return nil })
            default:
                out += HistogramRechunker.chunks(of: run.compactMap { if case .floatHistogram(let s) = $0 { return s }; return nil })
            }
            i = j
        }
        return out
    }
}
