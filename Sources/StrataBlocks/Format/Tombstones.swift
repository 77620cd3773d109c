import StrataModel
/// The `tombstones` file. Strata never deletes inside a block, so it writes the empty form and
/// reads only to validate: `magic <4b> | version=1 <1b> | entries… | CRC32C <4b>`, where the CRC
/// covers the entries (not the version byte), so an empty file is 9 bytes ending in zero.
public enum Tombstones {
    /// The bytes of an empty tombstones file.
    public static func emptyFile() -> [UInt8] {
        var e = ByteEncoder(capacity: 9)
        e.putBE32(BlockFormat.tombstonesMagic)
        e.putByte(BlockFormat.tombstonesVersion)
        e.putBE32(CRC32C.checksum([UInt8]()))
        return e.bytes
    }

    /// Validates a tombstones file and returns the number of deletion intervals it holds.
    /// Entries are `series ref <uvarint64> | #intervals <uvarint64> | (mint, maxt <varint64>)…`.
    public static func validate(_ bytes: [UInt8], path: String) throws(BlockError) -> Int {
        var d = ByteDecoder(bytes, file: path)
        let magic = try d.be32()
        guard magic == BlockFormat.tombstonesMagic else {
            throw .badMagic(file: path, expected: BlockFormat.tombstonesMagic, found: magic)
        }
        let version = try d.byte()
        guard version == BlockFormat.tombstonesVersion else { throw .unsupportedVersion(file: path, version: Int(version)) }
        guard bytes.count >= 5 + BlockFormat.crcSize else { throw d.corrupt("file too short for its checksum") }
        let end = bytes.count - BlockFormat.crcSize
        var crcReader = ByteDecoder(bytes, file: path, start: end)
        let stored = try crcReader.be32()
        let actual = CRC32C.checksum(bytes, 5..<end)
        guard stored == actual else {
            throw .checksumMismatch(file: path, section: "tombstones", offset: 5, expected: stored, actual: actual)
        }
        var entries = ByteDecoder(bytes, file: path, start: 5, end: end)
        var intervals = 0
        while entries.remaining > 0 {
            _ = try entries.uvarint()
            let n = try entries.length(limit: entries.remaining)
            for _ in 0..<n {
                _ = try entries.varint()
                _ = try entries.varint()
            }
            intervals += n
        }
        return intervals
    }
}
