import StrataModel

/// Encodes histogram samples (timestamp-ordered) into histogram chunks of at most
/// `samplesPerChunk` samples, starting a new chunk wherever the encoder asks for one (counter
/// reset, layout change). Samples the encoder refuses as malformed are dropped; decoded chunks
/// never hold such samples.
public enum HistogramRechunker {
    /// Integer-count histogram chunks of `samples`.
    public static func chunks(of samples: [HistogramSample], samplesPerChunk: Int = XORChunk.maxSamples) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        var current = HistogramChunk()
        for s in samples {
            if current.count >= max(1, samplesPerChunk) {
                out.append(current.encoded())
                current = HistogramChunk()
            }
            if case .newChunkNeeded(let header) = current.append(timestamp: s.timestamp, histogram: s.histogram) {
                out.append(current.encoded())
                current = HistogramChunk(header: header)
                _ = current.append(timestamp: s.timestamp, histogram: s.histogram)
            }
        }
        if current.count > 0 { out.append(current.encoded()) }
        return out
    }

    /// Float-count histogram chunks of `samples`.
    public static func chunks(of samples: [FloatHistogramSample], samplesPerChunk: Int = XORChunk.maxSamples) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        var current = FloatHistogramChunk()
        for s in samples {
            if current.count >= max(1, samplesPerChunk) {
                out.append(current.encoded())
                current = FloatHistogramChunk()
            }
            if case .newChunkNeeded(let header) = current.append(timestamp: s.timestamp, histogram: s.histogram) {
                out.append(current.encoded())
                current = FloatHistogramChunk(header: header)
                _ = current.append(timestamp: s.timestamp, histogram: s.histogram)
            }
        }
        if current.count > 0 { out.append(current.encoded()) }
        return out
    }
}
