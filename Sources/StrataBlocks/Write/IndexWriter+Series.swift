import StrataModel

extension IndexWriter {
    /// Writes one series entry (16-byte aligned) and records its reference in the postings.
    ///
    /// Entry: `len <uvarint> | #labels <uvarint> | (name ref, value ref <uvarint32>)… | #chunks
    /// <uvarint> | chunk metas | CRC32C <4b>` (CRC over everything between len and CRC). The first
    /// chunk meta is `mint <varint>, maxt−mint <uvarint>, ref <uvarint>`; later ones are `mint −
    /// previous maxt <uvarint>, maxt−mint <uvarint>, ref − previous ref <varint>`.
    @discardableResult
    func addSeries(_ labels: Labels, chunks: [ChunkMeta]) throws(BlockError) -> SeriesRef {
        if let last = lastLabels, !(last < labels) {
            throw .invalidInput(reason: "series \(labels) added after \(last): series must be added in strictly increasing label order")
        }
        if toc.series == 0 { toc.series = UInt64(file.position) }
        try file.pad(to: BlockFormat.seriesAlignment)
        let offset = file.position
        guard offset / BlockFormat.seriesAlignment <= Int(UInt32.max) else {
            throw .invalidInput(reason: "index series section exceeds the 64 GiB a 32-bit series reference addresses")
        }
        let ref = SeriesRef(offset / BlockFormat.seriesAlignment)

        var body = seriesBody
        body.reset()
        defer { seriesBody = body }
        body.putUvarint(UInt64(labels.count))
        for label in labels {
            guard !label.name.isEmpty, !label.value.isEmpty else {
                throw .invalidInput(reason: "series \(labels) has an empty label name or value")
            }
            body.putUvarint(UInt64(try symbolRef(label.name)))
            body.putUvarint(UInt64(try symbolRef(label.value)))
        }
        body.putUvarint(UInt64(chunks.count))
        if let first = chunks.first {
            body.putVarint(first.minTime)
            body.putUvarint(UInt64(bitPattern: first.maxTime &- first.minTime))
            body.putUvarint(first.ref.rawValue)
            var prevMax = first.maxTime
            var prevRef = first.ref.rawValue
            for c in chunks.dropFirst() {
                body.putUvarint(UInt64(bitPattern: c.minTime &- prevMax))
                body.putUvarint(UInt64(bitPattern: c.maxTime &- c.minTime))
                body.putVarint(Int64(bitPattern: c.ref.rawValue &- prevRef))
                prevMax = c.maxTime
                prevRef = c.ref.rawValue
            }
        }
        encoder.reset()
        encoder.putUvarint(UInt64(body.count))
        encoder.putBytes(body.bytes)
        encoder.putBE32(CRC32C.checksum(body.bytes))
        try file.write(encoder.bytes)

        for label in labels {
            postings[label.name, default: [:]][label.value, default: []].append(ref)
        }
        allPostings.append(ref)
        lastLabels = labels
        return ref
    }
}
