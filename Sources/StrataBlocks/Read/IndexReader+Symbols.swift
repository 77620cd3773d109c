extension IndexReader {
    /// Decodes the whole symbol table. Symbols must be strictly increasing in byte order, which
    /// also guarantees no duplicates.
    static func readSymbols(_ source: any BlockByteSource, at offset: UInt64) throws(BlockError) -> [String] {
        var d = try readSection(source, at: offset, section: "symbol table")
        let count = Int(try d.be32())
        // Each symbol takes at least one byte: a larger count is a lie, not a reason to allocate.
        guard count <= d.remaining else { throw d.corrupt("symbol count \(count) exceeds the table size") }
        var symbols: [String] = []
        symbols.reserveCapacity(count)
        for _ in 0..<count {
            let s = try d.uvarintString()
            if let last = symbols.last, !last.utf8.lexicographicallyPrecedes(s.utf8) {
                throw d.corrupt("symbols out of order: \"\(s)\" after \"\(last)\"")
            }
            symbols.append(s)
        }
        return symbols
    }
}
