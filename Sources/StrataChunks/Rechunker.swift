import StrataModel

/// Re-encodes a series' consecutive XOR chunks into chunks of a chosen number of samples.
///
/// Blocks are written once and read for months, so they can afford longer chunks than the head,
/// which appends and answers recent queries: each chunk repeats a full first timestamp and value,
/// a CRC and an index entry, and a longer chunk keeps the encoder's windows narrower
/// (docs/format/chunks.md). The samples come out bit-identical.
public enum Rechunker {
    /// The samples of `chunks` (time-ordered, not overlapping, all XOR) in chunks of
    /// `samplesPerChunk` (the last one may hold fewer; below 1 counts as 1). With
    /// `keepingLoneChunk`, a single chunk no longer than `samplesPerChunk` is returned as it is,
    /// which spares the decoding for series with one short chunk; without it every chunk is
    /// re-encoded (to measure the encoder on chunks another writer made).
    public static func rechunk(_ chunks: [EncodedChunk], samplesPerChunk: Int,
                               keepingLoneChunk: Bool = true) throws(ChunkError) -> [EncodedChunk] {
        let limit = Swift.max(1, samplesPerChunk)
        if keepingLoneChunk, chunks.count <= 1, let only = chunks.first, XORIterator(bytes: only.data).declaredCount <= limit {
            return chunks
        }
        var out: [EncodedChunk] = []
        var current = XORChunk()
        for source in chunks {
            var it = XORIterator(bytes: source.data)
            while let s = it.next() {
                if current.count == limit {
                    // Not compacted: the block writer copies the bytes out and drops the chunk.
                    out.append(current.encoded())
                    current = XORChunk()
                }
                current.append(timestamp: s.timestamp, value: s.value)
            }
            if let error = it.error { throw error }
        }
        if current.count > 0 { out.append(current.encoded()) }
        return out
    }

    /// `samples` (in time order, each timestamp once) encoded as XOR chunks of at most
    /// `samplesPerChunk` samples (clamped to 1…65535).
    public static func chunks(of samples: some Sequence<Sample>, samplesPerChunk: Int) -> [EncodedChunk] {
        let limit = Swift.max(1, Swift.min(samplesPerChunk, XORChunk.maxEncodableSamples))
        var out: [EncodedChunk] = []
        var current = XORChunk()
        for s in samples {
            if current.count == limit {
                out.append(current.encoded())
                current = XORChunk()
            }
            current.append(timestamp: s.timestamp, value: s.value)
        }
        if current.count > 0 { out.append(current.encoded()) }
        return out
    }
}
