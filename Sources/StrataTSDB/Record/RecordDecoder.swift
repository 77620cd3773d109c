import StrataModel

/// Decodes WAL records written by `RecordEncoder` (or Prometheus, for series and samples).
///
/// Safe on arbitrary bytes: every length is checked against what is left before it is used, and
/// counts are bounded by the bytes that could hold them, so a corrupt record costs a typed error,
/// never a crash or a huge allocation. Decoders append to `out`.
public enum RecordDecoder {
    /// Smallest possible encoding of one label (two empty strings).
    private static let minLabelBytes = 2
    /// Smallest possible encoding of one chunk in a seriesChunks record.
    private static let minChunkBytes = 4
    /// Smallest possible encoding of one sample after the first (two 1-byte varints + value).
    private static let minSampleBytes = 10

    /// The record's type, or nil when it is empty or of a type Strata does not know.
    public static func type(of record: UnsafeRawBufferPointer) -> RecordType? {
        guard let first = record.first else { return nil }
        return RecordType(rawValue: first)
    }

    /// Decodes a series record into `out`.
    public static func series(_ record: UnsafeRawBufferPointer, into out: inout [RefSeries]) throws(RecordError) {
        var cursor = try body(of: record, expecting: .series)
        while cursor.remaining > 0 {
            let index = out.count
            guard let ref = cursor.be64() else { throw .corrupt("series \(index): truncated ref") }
            guard let n = cursor.uvarint(), n <= UInt64(cursor.remaining / minLabelBytes) else {
                throw .corrupt("series \(index) (ref \(ref)): bad label count")
            }
            var labels = ContiguousArray<Label>()
            labels.reserveCapacity(Int(n))
            var sorted = true
            var previous: UnsafeRawBufferPointer? = nil
            for i in 0..<Int(n) {
                guard let name = cursor.lengthPrefixed(), let value = cursor.lengthPrefixed() else {
                    throw .corrupt("series \(index) (ref \(ref)): label \(i) truncated")
                }
                if let p = previous, !p.lexicographicallyPrecedes(name) { sorted = false }
                previous = name
                labels.append(Label(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
            }
            // Prometheus writes labels sorted; anything else is re-sorted rather than trusted.
            out.append(RefSeries(ref: ref, labels: sorted ? Labels(presorted: labels) : Labels(labels)))
        }
    }

    /// Decodes a samples record into `out`.
    public static func samples(_ record: UnsafeRawBufferPointer, into out: inout [RefSample]) throws(RecordError) {
        var cursor = try body(of: record, expecting: .samples)
        guard cursor.remaining > 0 else { return }
        guard let baseRef = cursor.be64(), let baseTime = cursor.be64() else {
            throw .corrupt("samples record: truncated base ref and timestamp")
        }
        out.reserveCapacity(out.count + cursor.remaining / minSampleBytes)
        var index = 0
        while cursor.remaining > 0 {
            guard let dref = cursor.varint(), let dtime = cursor.varint(), let bits = cursor.be64() else {
                throw .corrupt("samples record: sample \(index) truncated")
            }
            out.append(RefSample(ref: baseRef &+ UInt64(bitPattern: dref),
                                 timestamp: Int64(bitPattern: baseTime) &+ dtime,
                                 value: Double(bitPattern: bits)))
            index += 1
        }
    }

    /// Decodes a Strata seriesChunks (checkpoint) record into `out`.
    /// `type` is `.oooSeriesChunks` for the out-of-order chunks of a checkpoint (same layout).
    public static func seriesChunks(_ record: UnsafeRawBufferPointer, into out: inout [RefChunks],
                                    type: RecordType = .seriesChunks) throws(RecordError) {
        var cursor = try body(of: record, expecting: type)
        while cursor.remaining > 0 {
            let index = out.count
            guard let ref = cursor.be64() else { throw .corrupt("series chunks \(index): truncated ref") }
            guard let n = cursor.uvarint(), n <= UInt64(cursor.remaining / minChunkBytes) else {
                throw .corrupt("series chunks \(index) (ref \(ref)): bad chunk count")
            }
            var chunks: [EncodedChunk] = []
            chunks.reserveCapacity(Int(n))
            for i in 0..<Int(n) {
                guard let minTime = cursor.varint(), let maxTime = cursor.varint(), let enc = cursor.byte() else {
                    throw .corrupt("series chunks \(index) (ref \(ref)): chunk \(i) header truncated")
                }
                guard let encoding = ChunkEncoding(rawValue: enc) else {
                    throw .corrupt("series chunks \(index) (ref \(ref)): chunk \(i) has unknown encoding \(enc)")
                }
                guard let data = cursor.lengthPrefixed() else {
                    throw .corrupt("series chunks \(index) (ref \(ref)): chunk \(i) data truncated")
                }
                chunks.append(EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: encoding, data: Array(data)))
            }
            out.append(RefChunks(ref: ref, chunks: chunks))
        }
    }

    /// A cursor past the type byte, after checking it is `expected`.
    private static func body(of record: UnsafeRawBufferPointer, expecting expected: RecordType) throws(RecordError) -> ByteCursor {
        guard let first = record.first else { throw .corrupt("empty record") }
        guard first == expected.rawValue else { throw .unknownType(first) }
        return ByteCursor(record, offset: 1)
    }
}
