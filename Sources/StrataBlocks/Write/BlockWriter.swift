import StrataModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One series to write: labels and its chunks in time order.
public struct BlockSeries: Sendable, Equatable {
    /// The series labels (no empty names or values).
    public var labels: Labels
    /// Chunks in time order, not overlapping.
    public var chunks: [EncodedChunk]
    /// Creates a series.
    public init(labels: Labels, chunks: [EncodedChunk]) {
        self.labels = labels
        self.chunks = chunks
    }
}

/// Writes one Prometheus-compatible block directory, streaming.
///
/// Usage: create it with every label string the block will use (or call `write(…)`, which makes
/// the two passes itself), `addSeries` in strictly increasing label order, then `finish()`.
/// Everything goes to `<parent>/<ulid>.tmp`; `finish` writes `meta.json` last, fsyncs every file
/// and directory and renames the directory to `<parent>/<ulid>`, so a crash never leaves a
/// directory that looks like a complete block.
///
/// A class because it owns open files for its lifetime; it is not shared between tasks.
public final class BlockWriter {
    /// The block being written.
    public let ulid: ULID
    /// The directory the finished block will be in.
    public let parentDirectory: String
    let temporaryDirectory: String
    let index: IndexWriter
    let chunkWriter: ChunkSegmentWriter
    let thanos: BlockMeta.Thanos?
    var stats = BlockMeta.Stats()
    /// Series per metric name, for `meta.json`'s `strata` section.
    var seriesPerMetric: [String: UInt64] = [:]
    var dataMinTime = Int64.max
    var dataMaxTime = Int64.min
    var finished = false
    /// Set once the directory has been renamed into place.
    var published = false

    /// Bytes of the sample-count header at the start of XOR chunk data.
    static let chunkCountHeaderSize = 2

    /// Starts a block under `parentDirectory`. `symbols` must contain every label name and value
    /// of the series that will be added. `thanos` adds the Thanos/Mimir section to meta.json.
    public init(parentDirectory: String, symbols: some Sequence<String>, ulid: ULID? = nil,
                thanos: BlockMeta.Thanos? = nil,
                maxSegmentSize: Int = BlockFormat.defaultMaxSegmentSize) throws(BlockError) {
        guard maxSegmentSize > BlockFormat.chunksHeaderSize else {
            throw .invalidInput(reason: "maxSegmentSize \(maxSegmentSize) leaves no room for chunks")
        }
        let id = ulid ?? ULID.make(timestamp: Self.nowMilliseconds())
        self.ulid = id
        self.parentDirectory = parentDirectory
        self.thanos = thanos
        temporaryDirectory = parentDirectory + "/" + id.description + BlockFormat.temporarySuffix
        try BlockFileIO.removeTree(temporaryDirectory)
        try BlockFileIO.mkdir(temporaryDirectory)
        let chunksDir = temporaryDirectory + "/" + BlockFormat.chunksDirectoryName
        try BlockFileIO.mkdir(chunksDir)
        chunkWriter = ChunkSegmentWriter(directory: chunksDir, maxSegmentSize: maxSegmentSize)
        index = try IndexWriter(path: temporaryDirectory + "/" + BlockFormat.indexFileName, symbols: symbols)
    }

    /// An abandoned or failed write leaves nothing behind: the temporary directory is removed.
    deinit {
        if !published { try? BlockFileIO.removeTree(temporaryDirectory) }
    }

    /// Adds a series. Chunks must be in time order and not overlap; a series without chunks is
    /// skipped (Prometheus blocks carry no empty series).
    public func addSeries(_ labels: Labels, chunks: [EncodedChunk]) throws(BlockError) {
        guard !finished else { throw .invalidInput(reason: "addSeries after finish") }
        if chunks.isEmpty { return }
        guard !labels.isEmpty else { throw .invalidInput(reason: "a series without labels cannot be indexed") }
        if let last = index.lastLabels, !(last < labels) {
            throw .invalidInput(reason: "series \(labels) added after \(last): series must be added in strictly increasing label order")
        }
        var metas: [ChunkMeta] = []
        metas.reserveCapacity(chunks.count)
        var previousMax = Int64.min
        for chunk in chunks {
            guard chunk.minTime <= chunk.maxTime else {
                throw .invalidInput(reason: "series \(labels): chunk minTime \(chunk.minTime) after maxTime \(chunk.maxTime)")
            }
            guard metas.isEmpty || chunk.minTime > previousMax else {
                throw .invalidInput(reason: "series \(labels): chunk starting at \(chunk.minTime) overlaps or precedes the previous one ending at \(previousMax)")
            }
            guard let samples = Self.sampleCount(of: chunk) else {
                throw .invalidInput(reason: "series \(labels): chunk of \(chunk.data.count) bytes has no sample count")
            }
            previousMax = chunk.maxTime
            let ref = try chunkWriter.write(chunk)
            metas.append(ChunkMeta(minTime: chunk.minTime, maxTime: chunk.maxTime, ref: ref))
            stats.numSamples += samples
            stats.numChunks += 1
        }
        try index.addSeries(labels, chunks: metas)
        stats.numSeries += 1
        if let name = labels.metricName { seriesPerMetric[name, default: 0] += 1 }
        dataMinTime = min(dataMinTime, chunks[0].minTime)
        dataMaxTime = max(dataMaxTime, previousMax)
    }

    /// Finishes the block and publishes it. `minTime`/`maxTime` (exclusive) default to the data
    /// range; a head cut passes the block's range instead. `compaction` is the lineage to record
    /// (a compactor's output: its level and the level-1 sources); by default the block is a level-1
    /// block of its own. Returns the meta written.
    @discardableResult
    public func finish(minTime: Int64? = nil, maxTime: Int64? = nil,
                       compaction: BlockMeta.Compaction? = nil) throws(BlockError) -> BlockMeta {
        guard !finished else { throw .invalidInput(reason: "finish called twice") }
        finished = true
        let lo = minTime ?? (stats.numSeries == 0 ? 0 : dataMinTime)
        let hi = maxTime ?? (stats.numSeries == 0 ? 0 : dataMaxTime &+ 1)
        if stats.numSeries > 0 && (lo > dataMinTime || hi <= dataMaxTime) {
            throw .invalidInput(reason: "block range [\(lo), \(hi)) does not contain the data range [\(dataMinTime), \(dataMaxTime)]")
        }
        try chunkWriter.finish()
        try index.finish()
        try writeFile(BlockFormat.tombstonesFileName, Tombstones.emptyFile())
        let meta = BlockMeta(
            ulid: ulid.description, minTime: lo, maxTime: hi, stats: stats,
            compaction: compaction ?? BlockMeta.Compaction(level: 1, sources: [ulid.description]), thanos: thanos,
            // Blocks for object storage (with a Thanos section) carry Strata's section too; a plain
            // Prometheus block stays byte-identical to what Prometheus writes.
            strata: thanos == nil ? nil : BlockMeta.Strata(seriesPerMetric: seriesPerMetric))
        try writeFile(BlockFormat.metaFileName, meta.encoded())
        try BlockFileIO.fsyncDirectory(temporaryDirectory + "/" + BlockFormat.chunksDirectoryName)
        try BlockFileIO.fsyncDirectory(temporaryDirectory)
        let final = parentDirectory + "/" + ulid.description
        try BlockFileIO.removeTree(final)
        try BlockFileIO.rename(temporaryDirectory, final)
        published = true
        try BlockFileIO.fsyncDirectory(parentDirectory)
        return meta
    }

    /// The samples `meta.json` counts for a chunk: an XOR or histogram chunk's 2-byte count; for an aggregate
    /// chunk, as Thanos, the windows of its count sub-chunk (the first entry: uvarint length,
    /// sub-encoding byte, then an XOR chunk). Nil when the bytes are too short to say.
    static func sampleCount(of chunk: EncodedChunk) -> UInt64? {
        let d = chunk.data
        switch chunk.encoding {
        case .xor, .histogram, .floatHistogram:
            // Histogram chunks start with the same 2-byte count (then their flag byte).
            guard d.count >= chunkCountHeaderSize else { return nil }
            return UInt64(d[0]) << 8 | UInt64(d[1])
        case .aggregate:
            var length: UInt64 = 0
            var shift: UInt64 = 0
            var i = 0
            while true {
                guard i < d.count, shift < 64 else { return nil }
                let byte = d[i]
                i += 1
                length |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            if length == 0 { return 0 }
            // i: the sub-encoding byte; then the XOR chunk's count.
            guard d.count >= i + 1 + chunkCountHeaderSize else { return nil }
            return UInt64(d[i + 1]) << 8 | UInt64(d[i + 2])
        }
    }

    private func writeFile(_ name: String, _ bytes: [UInt8]) throws(BlockError) {
        let file = try BufferedFileWriter(path: temporaryDirectory + "/" + name)
        try file.write(bytes)
        try file.finish()
    }

    /// Writes a whole block from a collection of series sorted by labels: one pass collects the
    /// symbols, a second writes. Returns the meta.
    @discardableResult
    public static func write(parentDirectory: String, series: some Collection<BlockSeries>, ulid: ULID? = nil,
                             thanos: BlockMeta.Thanos? = nil, minTime: Int64? = nil, maxTime: Int64? = nil,
                             maxSegmentSize: Int = BlockFormat.defaultMaxSegmentSize) throws(BlockError) -> BlockMeta {
        var symbols = Set<String>()
        for s in series {
            for label in s.labels {
                symbols.insert(label.name)
                symbols.insert(label.value)
            }
        }
        let writer = try BlockWriter(parentDirectory: parentDirectory, symbols: symbols, ulid: ulid,
                                     thanos: thanos, maxSegmentSize: maxSegmentSize)
        for s in series { try writer.addSeries(s.labels, chunks: s.chunks) }
        return try writer.finish(minTime: minTime, maxTime: maxTime)
    }

    static func nowMilliseconds() -> UInt64 {
        UInt64(clamping: WallClock.nowMilliseconds())
    }
}
