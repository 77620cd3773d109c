extension IndexReader {
    /// The legacy label index of `name` (values as stored there), read through the label offset
    /// table. Queries use the postings offset table; this exists to verify the section.
    public func labelIndex(_ name: String) throws(BlockError) -> [String]? {
        var table = try Self.readSection(source, at: toc.labelIndicesTable, section: "label offset table")
        let count = Int(try table.be32())
        guard count <= table.remaining / 3 + 1 else { throw table.corrupt("entry count \(count) exceeds the table size") }
        for _ in 0..<count {
            let keys = try table.uvarint()
            guard keys == 1 else { throw table.corrupt("label offset entry has \(keys) keys, want 1") }
            let entryName = try table.uvarintString()
            let offset = try table.uvarint()
            guard entryName == name else { continue }
            var d = try Self.readSection(source, at: offset, section: "label index")
            let names = try d.be32()
            guard names == 1 else { throw d.corrupt("label index over \(names) names, want 1") }
            let n = Int(try d.be32())
            guard n * 4 == d.remaining else { throw d.corrupt("label index declares \(n) values but holds \(d.remaining / 4)") }
            var values: [String] = []
            values.reserveCapacity(n)
            for _ in 0..<n {
                let at = d.baseOffset + d.position
                values.append(try symbol(UInt64(try d.be32()), offset: at))
            }
            return values
        }
        return nil
    }
}
