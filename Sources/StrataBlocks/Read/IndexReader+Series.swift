import StrataModel

/// A series entry of the index: labels and chunk metas.
public struct IndexSeries: Sendable, Equatable {
    /// The series labels.
    public var labels: Labels
    /// Where the series' chunks are, in time order.
    public var chunks: [ChunkMeta]
    /// Creates an entry.
    public init(labels: Labels, chunks: [ChunkMeta]) {
        self.labels = labels
        self.chunks = chunks
    }
}

extension IndexReader {
    /// Bytes read speculatively for a series entry; most fit, larger ones take a second read.
    /// A remote reader prefetches this much from each entry's start so the first read is served.
    public static let seriesReadAhead = 512

    /// The series entry at reference `ref` (entry offset / 16).
    public func series(_ ref: SeriesRef) throws(BlockError) -> IndexSeries {
        let offset = Int(ref) * BlockFormat.seriesAlignment
        guard offset >= BlockFormat.indexHeaderSize, offset < source.size else {
            throw .invalidReference(file: file, reference: UInt64(ref), reason: "series offset \(offset) outside the \(source.size)-byte index")
        }
        var bytes = try source.checkedRead(offset..<min(source.size, offset + Self.seriesReadAhead))
        var head = ByteDecoder(bytes, file: file, baseOffset: offset)
        let length = try head.length(limit: source.size - offset)
        let contentStart = head.position
        let total = contentStart + length + BlockFormat.crcSize
        guard total <= source.size - offset else {
            throw head.corrupt("series entry of \(length) bytes runs past the end of the file")
        }
        if total > bytes.count { bytes = try source.checkedRead(offset..<(offset + total)) }
        // Decode in place: the CRC and the decoder both work on ranges of the read buffer.
        let contentEnd = contentStart + length
        var crc = ByteDecoder(bytes, file: file, baseOffset: offset, start: contentEnd)
        let stored = try crc.be32()
        let actual = CRC32C.checksum(bytes, contentStart..<contentEnd)
        guard stored == actual else {
            throw .checksumMismatch(file: file, section: "series", offset: offset + contentStart, expected: stored, actual: actual)
        }
        var d = ByteDecoder(bytes, file: file, baseOffset: offset, start: contentStart, end: contentEnd)
        return try decodeSeries(&d)
    }

    func decodeSeries(_ d: inout ByteDecoder) throws(BlockError) -> IndexSeries {
        let labelCount = try d.length(limit: d.remaining / 2)
        var labels = ContiguousArray<Label>()
        labels.reserveCapacity(labelCount)
        for _ in 0..<labelCount {
            let at = d.baseOffset + d.position
            let name = try symbol(try d.uvarint(), offset: at)
            let value = try symbol(try d.uvarint(), offset: at)
            if let last = labels.last, !last.name.utf8.lexicographicallyPrecedes(name.utf8) {
                throw d.corrupt("series labels out of order: \(name) after \(last.name)")
            }
            labels.append(Label(name: name, value: value))
        }
        // A chunk meta takes at least 3 bytes.
        let chunkCount = try d.length(limit: d.remaining / 3)
        var chunks: [ChunkMeta] = []
        chunks.reserveCapacity(chunkCount)
        if chunkCount > 0 {
            var mint = try d.varint()
            var maxt = mint &+ Int64(bitPattern: try d.uvarint())
            var ref = try d.uvarint()
            chunks.append(ChunkMeta(minTime: mint, maxTime: maxt, ref: ChunkRef(rawValue: ref)))
            for _ in 1..<chunkCount {
                mint = maxt &+ Int64(bitPattern: try d.uvarint())
                maxt = mint &+ Int64(bitPattern: try d.uvarint())
                ref = ref &+ UInt64(bitPattern: try d.varint())
                chunks.append(ChunkMeta(minTime: mint, maxTime: maxt, ref: ChunkRef(rawValue: ref)))
            }
        }
        guard d.remaining == 0 else { throw d.corrupt("\(d.remaining) unexpected bytes after the series' chunks") }
        return IndexSeries(labels: Labels(presorted: labels), chunks: chunks)
    }
}
