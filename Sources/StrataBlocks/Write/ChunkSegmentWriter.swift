import StrataModel

/// Writes chunks into numbered segment files (`chunks/000001`, …), cutting a new file when the
/// next chunk would take the current one past `maxSegmentSize`.
///
/// Chunk bytes go straight to the file buffer: nothing is retained once written, so memory does
/// not grow with the block.
final class ChunkSegmentWriter {
    let directory: String
    let maxSegmentSize: Int
    private var current: BufferedFileWriter?
    /// 0-based sequence of `current`.
    private var sequence = -1
    private var encoder = ByteEncoder(capacity: 256)

    init(directory: String, maxSegmentSize: Int) {
        self.directory = directory
        // Offsets are 32-bit in a chunk reference.
        self.maxSegmentSize = min(maxSegmentSize, Int(UInt32.max))
    }

    /// Bytes a chunk takes in a segment: length, encoding, data, CRC.
    static func encodedSize(_ chunk: EncodedChunk) -> Int {
        ByteEncoder.uvarintSize(UInt64(chunk.data.count)) + 1 + chunk.data.count + BlockFormat.crcSize
    }

    /// Appends a chunk and returns where it went.
    func write(_ chunk: EncodedChunk) throws(BlockError) -> ChunkRef {
        let size = Self.encodedSize(chunk)
        // A chunk larger than a whole segment still gets a segment of its own.
        if let file = current {
            if file.position + size > maxSegmentSize && file.position > BlockFormat.chunksHeaderSize { try cut() }
        } else {
            try cut()
        }
        guard let file = current else { throw .invalidInput(reason: "no open chunk segment") }
        guard sequence <= Int(UInt32.max), file.position <= Int(UInt32.max) else {
            throw .invalidInput(reason: "chunk reference overflow: block too large")
        }
        let ref = ChunkRef(segment: UInt32(sequence), offset: UInt32(file.position))
        encoder.reset()
        encoder.putUvarint(UInt64(chunk.data.count))
        let crcStart = encoder.count
        encoder.putByte(chunk.encoding.rawValue)
        encoder.putBytes(chunk.data)
        encoder.putCRC(from: crcStart)
        try file.write(encoder.bytes)
        return ref
    }

    /// Number of segment files written so far.
    var segmentCount: Int { sequence + 1 }

    private func cut() throws(BlockError) {
        try current?.finish()
        sequence += 1
        let file = try BufferedFileWriter(path: directory + "/" + BlockFormat.segmentFileName(sequence))
        var header = ByteEncoder(capacity: BlockFormat.chunksHeaderSize)
        header.putBE32(BlockFormat.chunksMagic)
        header.putByte(BlockFormat.chunksVersion)
        header.putBytes([0, 0, 0])
        try file.write(header.bytes)
        current = file
    }

    /// Flushes, fsyncs and closes the last segment.
    func finish() throws(BlockError) {
        try current?.finish()
        current = nil
    }
}
