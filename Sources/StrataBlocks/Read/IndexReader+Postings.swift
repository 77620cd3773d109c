extension IndexReader {
    /// Parses the postings offset table into name → (values, offsets), checking the byte order
    /// Prometheus writes (binary search depends on it).
    static func readPostingsOffsetTable(_ source: any BlockByteSource, at offset: UInt64) throws(BlockError) -> ([String: ValueOffsets], Int?) {
        var d = try readSection(source, at: offset, section: "postings offset table")
        let count = Int(try d.be32())
        // Each entry takes at least 4 bytes.
        guard count <= d.remaining / 4 + 1 else { throw d.corrupt("entry count \(count) exceeds the table size") }
        var table: [String: ValueOffsets] = [:]
        var allOffset: Int? = nil
        var lastName: String? = nil
        var lastValue = ""
        for _ in 0..<count {
            let keys = try d.uvarint()
            guard keys == 2 else { throw d.corrupt("postings offset entry has \(keys) keys, want 2") }
            let name = try d.uvarintString()
            let value = try d.uvarintString()
            let off = try d.uvarint()
            guard off < UInt64(source.size) else { throw d.corrupt("postings offset \(off) past the end of the file") }
            if name.isEmpty && value.isEmpty {
                allOffset = Int(off)
                continue
            }
            if let ln = lastName {
                let ordered = ln == name
                    ? lastValue.utf8.lexicographicallyPrecedes(value.utf8)
                    : ln.utf8.lexicographicallyPrecedes(name.utf8)
                guard ordered else { throw d.corrupt("postings offset table out of order at \(name)=\"\(value)\"") }
            }
            lastName = name
            lastValue = value
            table[name, default: ValueOffsets()].values.append(value)
            table[name, default: ValueOffsets()].offsets.append(Int(off))
        }
        return (table, allOffset)
    }

    /// Sorted values of label `name` in this index.
    public func labelValues(_ name: String) -> [String] { postingsTable[name]?.values ?? [] }

    /// Series references having `name="value"`, sorted; empty if the pair does not occur.
    public func postings(name: String, value: String) throws(BlockError) -> [SeriesRef] {
        if name.isEmpty && value.isEmpty { return try allPostings() }
        guard let entry = postingsTable[name], let i = Self.search(entry.values, value) else { return [] }
        return try postingsList(at: entry.offsets[i])
    }

    /// Every series reference in the index.
    public func allPostings() throws(BlockError) -> [SeriesRef] {
        guard let off = allPostingsOffset else { return [] }
        return try postingsList(at: off)
    }

    /// Postings for each value of `name` accepted by `accept`, merged.
    func postings(name: String, where accept: (String) -> Bool) throws(BlockError) -> [SeriesRef] {
        guard let entry = postingsTable[name] else { return [] }
        var lists: [[SeriesRef]] = []
        for (value, offset) in zip(entry.values, entry.offsets) where accept(value) {
            lists.append(try postingsList(at: offset))
        }
        return Postings.union(lists)
    }

    /// Decodes `len <4b> | #refs <4b> | refs <4b each> | CRC32C`, checking the refs increase.
    func postingsList(at offset: Int) throws(BlockError) -> [SeriesRef] {
        let d = try Self.readSection(source, at: UInt64(offset), section: "postings list")
        guard d.remaining >= 4 else { throw d.corrupt("postings list too short for its count") }
        let count = d.bytes.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self))) }
        guard d.remaining == 4 + count * 4 else {
            throw d.corrupt("postings list declares \(count) entries but holds \((d.remaining - 4) / 4)")
        }
        var sorted = true
        let refs = [SeriesRef](unsafeUninitializedCapacity: count) { out, initialized in
            d.bytes.withUnsafeBytes { raw in
                var prev: UInt32 = 0
                for i in 0..<count {
                    let v = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 + i &* 4, as: UInt32.self))
                    if i > 0 && v <= prev { sorted = false }
                    prev = v
                    out[i] = v
                }
            }
            initialized = count
        }
        guard sorted else { throw d.corrupt("postings list is not strictly increasing") }
        return refs
    }

    /// Binary search in byte order.
    static func search(_ values: [String], _ target: String) -> Int? {
        var lo = 0
        var hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] == target { return mid }
            if values[mid].utf8.lexicographicallyPrecedes(target.utf8) { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}
