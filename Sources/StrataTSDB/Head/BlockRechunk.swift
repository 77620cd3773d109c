import StrataChunks
import StrataModel

/// Re-chunking of a series' head chunks for a block when they may mix encodings.
enum BlockRechunk {
    /// XOR runs merged into chunks of `samplesPerChunk` samples (`Rechunker`); histogram and
    /// float-histogram chunks kept byte for byte, with their counter-reset headers (Prometheus's
    /// head decides where histogram chunks end, and its compactor keeps them as they are).
    /// `chunks` are in time order.
    static func rechunk(_ chunks: [EncodedChunk], samplesPerChunk: Int) throws(ChunkError) -> [EncodedChunk] {
        guard chunks.contains(where: { $0.encoding != .xor }) else {
            return try Rechunker.rechunk(chunks, samplesPerChunk: samplesPerChunk)
        }
        var out: [EncodedChunk] = []
        var run: [EncodedChunk] = []
        for c in chunks {
            if c.encoding == .xor {
                run.append(c)
                continue
            }
            if !run.isEmpty {
                out += try Rechunker.rechunk(run, samplesPerChunk: samplesPerChunk)
                run.removeAll()
            }
            out.append(c)
        }
        if !run.isEmpty { out += try Rechunker.rechunk(run, samplesPerChunk: samplesPerChunk) }
        return out
    }
}
