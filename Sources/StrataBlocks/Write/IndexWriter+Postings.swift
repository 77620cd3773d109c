import StrataModel
extension IndexWriter {
    /// Names in byte order.
    var sortedNames: [String] { postings.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    /// Writes everything after the series and closes the file: label indices, postings, label
    /// offset table, postings offset table, TOC.
    func finish() throws(BlockError) {
        if toc.series == 0 { toc.series = UInt64(file.position) }
        let names = sortedNames
        let labelIndexOffsets = try writeLabelIndices(names)
        let postingsOffsets = try writePostings(names)
        try writeLabelOffsetTable(names, labelIndexOffsets)
        try writePostingsOffsetTable(postingsOffsets)
        try writeTOC()
        try file.finish()
    }

    /// One label index per name, 4-byte aligned: `len <4b> | #names=1 <4b> | #values <4b> |
    /// value symbol refs <4b each> | CRC32C`. Legacy (v2 readers use the postings table) but
    /// Prometheus still writes and checks them.
    func writeLabelIndices(_ names: [String]) throws(BlockError) -> [UInt64] {
        // Prometheus records the section start before aligning the first label index.
        toc.labelIndices = UInt64(file.position)
        var offsets: [UInt64] = []
        offsets.reserveCapacity(names.count)
        for name in names {
            try file.pad(to: BlockFormat.sectionAlignment)
            offsets.append(UInt64(file.position))
            let values = (postings[name] ?? [:]).keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            encoder.reset()
            encoder.putBE32(UInt32(truncatingIfNeeded: 8 + 4 * values.count))
            encoder.putBE32(1)
            encoder.putBE32(UInt32(truncatingIfNeeded: values.count))
            for v in values { encoder.putBE32(try symbolRef(v)) }
            encoder.putCRC(from: 4)
            try file.write(encoder.bytes)
        }
        return offsets
    }

    /// Postings lists, 4-byte aligned: `len <4b> | #refs <4b> | refs <4b each> | CRC32C`. The
    /// list of every series (key `""=""`) comes first, then name/value pairs in byte order.
    func writePostings(_ names: [String]) throws(BlockError) -> [(name: String, value: String, offset: UInt64)] {
        try file.pad(to: BlockFormat.sectionAlignment)
        toc.postings = UInt64(file.position)
        var offsets: [(name: String, value: String, offset: UInt64)] = []
        offsets.append(("", "", try writePostingsList(allPostings)))
        for name in names {
            guard let byValue = postings[name] else { continue }
            for value in byValue.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                offsets.append((name, value, try writePostingsList(byValue[value] ?? [])))
            }
        }
        return offsets
    }

    private func writePostingsList(_ refs: [SeriesRef]) throws(BlockError) -> UInt64 {
        try file.pad(to: BlockFormat.sectionAlignment)
        let offset = UInt64(file.position)
        encoder.reset()
        encoder.putBE32(UInt32(truncatingIfNeeded: 4 + 4 * refs.count))
        encoder.putBE32(UInt32(truncatingIfNeeded: refs.count))
        for r in refs { encoder.putBE32(r) }
        encoder.putCRC(from: 4)
        try file.write(encoder.bytes)
        return offset
    }

    /// `len <4b> | #entries <4b> | (n=1 <uvarint>, name <uvarint str>, offset <uvarint64>)… | CRC`.
    func writeLabelOffsetTable(_ names: [String], _ offsets: [UInt64]) throws(BlockError) {
        toc.labelIndicesTable = UInt64(file.position)
        var e = ByteEncoder(capacity: 16 * names.count + 8)
        e.putBE32(0)
        e.putBE32(UInt32(truncatingIfNeeded: names.count))
        for (name, offset) in zip(names, offsets) {
            e.putUvarint(1)
            e.putUvarintString(name)
            e.putUvarint(offset)
        }
        e.setBE32(UInt32(truncatingIfNeeded: e.count - 4), at: 0)
        e.putCRC(from: 4)
        try file.write(e.bytes)
    }

    /// `len <4b> | #entries <4b> | (n=2 <uvarint>, name, value <uvarint str>, offset <uvarint64>)…
    /// | CRC`, sorted by name then value, `""=""` first.
    func writePostingsOffsetTable(_ entries: [(name: String, value: String, offset: UInt64)]) throws(BlockError) {
        toc.postingsTable = UInt64(file.position)
        var e = ByteEncoder(capacity: 32 * entries.count + 8)
        e.putBE32(0)
        e.putBE32(UInt32(truncatingIfNeeded: entries.count))
        for entry in entries {
            e.putUvarint(2)
            e.putUvarintString(entry.name)
            e.putUvarintString(entry.value)
            e.putUvarint(entry.offset)
        }
        guard e.count - 4 <= Int(UInt32.max) else { throw .invalidInput(reason: "postings offset table exceeds 4 GiB") }
        e.setBE32(UInt32(e.count - 4), at: 0)
        e.putCRC(from: 4)
        try file.write(e.bytes)
    }

    /// Six big-endian 8-byte offsets and their CRC32C.
    func writeTOC() throws(BlockError) {
        var e = ByteEncoder(capacity: BlockFormat.tocSize)
        for v in [toc.symbols, toc.series, toc.labelIndices, toc.labelIndicesTable, toc.postings, toc.postingsTable] {
            e.putBE64(v)
        }
        e.putCRC(from: 0)
        try file.write(e.bytes)
    }
}
