/// How the bytes of a chunk are encoded. Values are Prometheus's `chunkenc.Encoding`.
public enum ChunkEncoding: UInt8, Sendable {
    /// Gorilla-style XOR float chunk (Prometheus `EncXOR`).
    case xor = 1
    /// Native histogram chunk with integer counts (Prometheus `EncHistogram`,
    /// docs/format/chunks.md). Holds histogram samples only: a reader of float samples must
    /// skip or refuse it, never decode it as XOR.
    case histogram = 2
    /// Native histogram chunk with float counts (Prometheus `EncFloatHistogram`); as `histogram`.
    case floatHistogram = 3
    /// Thanos's downsampled aggregate chunk (`ChunkEncAggr`): count, sum, min, max and counter
    /// sub-chunks of one series' 5m or 1h windows (docs/format/aggr-chunk.md). Only blocks of a
    /// downsampling resolution hold them; a reader of raw samples finds none in them.
    case aggregate = 0xff
}

/// One encoded chunk of one series, as stored in the head, in blocks and on the wire.
public struct EncodedChunk: Sendable, Equatable {
    /// Timestamp of the first sample, in ms.
    public var minTime: Int64
    /// Timestamp of the last sample, in ms.
    public var maxTime: Int64
    /// The encoding of `data`.
    public var encoding: ChunkEncoding
    /// The chunk bytes, exactly as Prometheus lays them out (including the 2-byte sample count).
    public var data: [UInt8]

    /// Creates a chunk.
    public init(minTime: Int64, maxTime: Int64, encoding: ChunkEncoding, data: [UInt8]) {
        self.minTime = minTime
        self.maxTime = maxTime
        self.encoding = encoding
        self.data = data
    }
}
