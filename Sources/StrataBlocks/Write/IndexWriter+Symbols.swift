extension IndexWriter {
    /// Symbol table: `len <4b> | #symbols <4b> | (uvarint len, bytes)… | CRC32C <4b>`; the length
    /// and the CRC cover the count and the symbols.
    func writeSymbols() throws(BlockError) {
        toc.symbols = UInt64(file.position)
        var e = ByteEncoder(capacity: 64 * 1024)
        e.putBE32(0)
        e.putBE32(UInt32(symbols.count))
        // Built whole because the length field precedes it; symbol tables are a few MiB at most.
        for s in symbols { e.putUvarintString(s) }
        let length = e.count - 4
        guard length <= Int(UInt32.max) else { throw .invalidInput(reason: "symbol table exceeds 4 GiB") }
        e.setBE32(UInt32(length), at: 0)
        e.putCRC(from: 4)
        try file.write(e.bytes)
    }

    /// The v2 reference of a symbol.
    func symbolRef(_ s: String) throws(BlockError) -> UInt32 {
        guard let ref = symbolIndex[s] else {
            throw .invalidInput(reason: "label string \"\(s)\" was not in the symbols passed to the writer")
        }
        return ref
    }
}
