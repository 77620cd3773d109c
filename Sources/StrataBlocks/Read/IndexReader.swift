import StrataModel

/// Reads an index in format v2 through a `BlockByteSource`.
///
/// Opening reads the header, the TOC, the symbol table and the postings offset table; postings
/// lists and series entries are read by range on demand. Every section's CRC32C is verified
/// before it is decoded.
public struct IndexReader: Sendable {
    /// Values of one label name, byte-ordered, with the offsets of their postings lists.
    struct ValueOffsets: Sendable {
        var values: [String] = []
        var offsets: [Int] = []
    }

    let source: any BlockByteSource
    /// Section offsets.
    public let toc: IndexTOC
    /// Symbols by v2 reference.
    public let symbols: [String]
    /// name → values and postings offsets.
    let postingsTable: [String: ValueOffsets]
    /// Label names in byte order (the all-postings key excluded).
    public let labelNames: [String]
    /// Offset of the all-series postings list (key `""=""`), if present.
    let allPostingsOffset: Int?

    var file: String { source.name }

    /// Opens the index in `source`.
    public init(source: any BlockByteSource) throws(BlockError) {
        self.source = source
        let name = source.name
        guard source.size >= BlockFormat.indexHeaderSize + BlockFormat.tocSize else {
            throw .corrupt(file: name, offset: 0, reason: "file of \(source.size) bytes is too small for an index")
        }
        var header = ByteDecoder(try source.checkedRead(0..<BlockFormat.indexHeaderSize), file: name)
        let magic = try header.be32()
        guard magic == BlockFormat.indexMagic else { throw .badMagic(file: name, expected: BlockFormat.indexMagic, found: magic) }
        let version = try header.byte()
        guard version == BlockFormat.indexVersion else { throw .unsupportedVersion(file: name, version: Int(version)) }

        toc = try Self.readTOC(source)
        symbols = try Self.readSymbols(source, at: toc.symbols)
        let (table, all) = try Self.readPostingsOffsetTable(source, at: toc.postingsTable)
        postingsTable = table
        allPostingsOffset = all
        labelNames = table.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads and checks the TOC at the end of `source` (the last 52 bytes). A remote reader uses
    /// it to learn which ranges opening the index needs before fetching them.
    public static func readTOC(_ source: any BlockByteSource) throws(BlockError) -> IndexTOC {
        let start = source.size - BlockFormat.tocSize
        let bytes = try source.checkedRead(start..<source.size)
        let body = BlockFormat.tocSize - BlockFormat.crcSize
        var d = ByteDecoder(bytes, file: source.name, baseOffset: start)
        var offsets: [UInt64] = []
        for _ in 0..<6 { offsets.append(try d.be64()) }
        let stored = try d.be32()
        let actual = CRC32C.checksum(bytes, 0..<body)
        guard stored == actual else {
            throw .checksumMismatch(file: source.name, section: "TOC", offset: start, expected: stored, actual: actual)
        }
        for (i, o) in offsets.enumerated() where o > UInt64(start) {
            throw .corrupt(file: source.name, offset: start + i * 8, reason: "TOC offset \(o) points past the TOC")
        }
        var toc = IndexTOC()
        toc.symbols = offsets[0]
        toc.series = offsets[1]
        toc.labelIndices = offsets[2]
        toc.labelIndicesTable = offsets[3]
        toc.postings = offsets[4]
        toc.postingsTable = offsets[5]
        return toc
    }

    /// Reads a `len <4b> | content | CRC32C <4b>` section and returns a decoder over the content.
    static func readSection(_ source: any BlockByteSource, at offset: UInt64, section: String) throws(BlockError) -> ByteDecoder {
        let name = source.name
        guard offset <= UInt64(source.size), source.size - Int(offset) >= 4 else {
            throw .corrupt(file: name, offset: Int(clamping: offset), reason: "\(section) starts past the end of the file")
        }
        let start = Int(offset)
        var lenDecoder = ByteDecoder(try source.checkedRead(start..<(start + 4)), file: name, baseOffset: start)
        let length = Int(try lenDecoder.be32())
        let contentStart = start + 4
        guard source.size - contentStart >= length + BlockFormat.crcSize else {
            throw .corrupt(file: name, offset: start, reason: "\(section) of \(length) bytes runs past the end of the file")
        }
        let bytes = try source.checkedRead(contentStart..<(contentStart + length + BlockFormat.crcSize))
        try verifyCRC(bytes, contentLength: length, file: name, section: section, offset: contentStart)
        return ByteDecoder(bytes, file: name, baseOffset: contentStart, end: length)
    }

    /// Checks the big-endian CRC32C stored right after `bytes[0..<contentLength]`.
    static func verifyCRC(_ bytes: [UInt8], contentLength: Int, file: String, section: String, offset: Int) throws(BlockError) {
        var d = ByteDecoder(bytes, file: file, baseOffset: offset, start: contentLength)
        let stored = try d.be32()
        let actual = CRC32C.checksum(bytes, 0..<contentLength)
        guard stored == actual else {
            throw .checksumMismatch(file: file, section: section, offset: offset, expected: stored, actual: actual)
        }
    }

    /// The symbol with v2 reference `ref`.
    @inline(__always)
    func symbol(_ ref: UInt64, offset: Int) throws(BlockError) -> String {
        guard ref < UInt64(symbols.count) else {
            throw .corrupt(file: file, offset: offset, reason: "symbol reference \(ref) out of range (\(symbols.count) symbols)")
        }
        return symbols[Int(ref)]
    }
}
