import StrataModel

/// Reads chunks by reference from a block's segment files.
public struct ChunkReader: Sendable {
    /// Segment files by 0-based sequence.
    let segments: [any BlockByteSource]
    /// Bytes read speculatively per chunk (a 120-sample XOR chunk is usually well under this).
    /// A remote reader prefetches this much from each chunk's start so the first read is served.
    public static let readAhead = 512

    /// Wraps segment sources (file `000001` first) after checking their headers.
    public init(segments: [any BlockByteSource]) throws(BlockError) {
        for s in segments {
            var d = ByteDecoder(try s.checkedRead(0..<min(s.size, BlockFormat.chunksHeaderSize)), file: s.name)
            let magic = try d.be32()
            guard magic == BlockFormat.chunksMagic else { throw .badMagic(file: s.name, expected: BlockFormat.chunksMagic, found: magic) }
            let version = try d.byte()
            guard version == BlockFormat.chunksVersion else { throw .unsupportedVersion(file: s.name, version: Int(version)) }
            try d.skip(BlockFormat.chunksHeaderSize - 5)
        }
        self.segments = segments
    }

    /// Number of segment files.
    public var segmentCount: Int { segments.count }

    /// The chunk `meta` points to, CRC-checked. Only XOR chunks are supported.
    public func chunk(_ meta: ChunkMeta) throws(BlockError) -> EncodedChunk {
        let seq = meta.ref.segment
        guard seq < segments.count else {
            throw .invalidReference(file: "chunks", reference: meta.ref.rawValue, reason: "segment \(BlockFormat.segmentFileName(seq)) does not exist (\(segments.count) segments)")
        }
        let source = segments[seq]
        let offset = meta.ref.offset
        guard offset >= BlockFormat.chunksHeaderSize, offset < source.size else {
            throw .invalidReference(file: source.name, reference: meta.ref.rawValue, reason: "offset \(offset) outside the \(source.size)-byte segment")
        }
        var bytes = try source.checkedRead(offset..<min(source.size, offset + Self.readAhead))
        var d = ByteDecoder(bytes, file: source.name, baseOffset: offset)
        let length = try d.length(limit: source.size - offset)
        let encodingAt = d.position
        let total = encodingAt + 1 + length + BlockFormat.crcSize
        guard total <= source.size - offset else { throw d.corrupt("chunk of \(length) bytes runs past the end of the segment") }
        if total > bytes.count {
            bytes = try source.checkedRead(offset..<(offset + total))
        }
        let crcAt = encodingAt + 1 + length
        var crcDecoder = ByteDecoder(bytes, file: source.name, baseOffset: offset, start: crcAt)
        let stored = try crcDecoder.be32()
        let actual = CRC32C.checksum(bytes, encodingAt..<crcAt)
        guard stored == actual else {
            throw .checksumMismatch(file: source.name, section: "chunk", offset: offset, expected: stored, actual: actual)
        }
        guard let encoding = ChunkEncoding(rawValue: bytes[encodingAt]) else {
            throw .unsupported(file: source.name, reason: "chunk encoding \(bytes[encodingAt]) at offset \(offset) (only XOR float chunks are read)")
        }
        return EncodedChunk(minTime: meta.minTime, maxTime: meta.maxTime, encoding: encoding,
                            data: Array(bytes[(encodingAt + 1)..<crcAt]))
    }
}
