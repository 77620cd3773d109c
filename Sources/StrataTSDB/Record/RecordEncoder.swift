import StrataModel

/// Encodes WAL records (Prometheus `tsdb/record` layout for series and samples).
///
/// Each function appends one complete record to `out` without building intermediate arrays, so a
/// caller can keep one buffer per appender, clear it with `removeAll(keepingCapacity: true)`, and
/// encode every batch into the same memory. Layouts are in `docs/format/wal.md`.
public enum RecordEncoder {
    /// Appends a series record: type 1, then per series BE64 ref and its labels.
    @inlinable
    public static func series(_ series: some Collection<RefSeries>, into out: inout [UInt8]) {
        out.append(RecordType.series.rawValue)
        for s in series {
            Varint.appendBE64(s.ref, to: &out)
            Varint.appendUvarint(UInt64(s.labels.count), to: &out)
            for label in s.labels {
                Varint.appendString(label.name, to: &out)
                Varint.appendString(label.value, to: &out)
            }
        }
    }

    /// Appends a samples record: type 2, the first sample's ref and timestamp as BE64, then per
    /// sample the varint ref and timestamp deltas from those and the value's bits as BE64.
    @inlinable
    public static func samples(_ samples: some Collection<RefSample>, into out: inout [UInt8]) {
        out.append(RecordType.samples.rawValue)
        guard let first = samples.first else { return }
        // Grow once to the worst case and write through a raw pointer: per-byte `append` calls
        // dominate otherwise. The unused tail is dropped afterwards.
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 16 + samples.count * maxSampleBytes))
        let end = out.withUnsafeMutableBytes { raw -> Int in
            var p = start
            raw.storeBytes(of: first.ref.bigEndian, toByteOffset: p, as: UInt64.self)
            raw.storeBytes(of: UInt64(bitPattern: first.timestamp).bigEndian, toByteOffset: p + 8, as: UInt64.self)
            p += 16
            for s in samples {
                p = Varint.putVarint(Int64(bitPattern: s.ref &- first.ref), into: raw, at: p)
                p = Varint.putVarint(s.timestamp &- first.timestamp, into: raw, at: p)
                raw.storeBytes(of: s.value.bitPattern.bigEndian, toByteOffset: p, as: UInt64.self)
                p += 8
            }
            return p
        }
        out.removeLast(out.count - end)
    }

    /// Worst-case bytes of one sample after the base: two 10-byte varints and the value.
    @usableFromInline static let maxSampleBytes = 2 * Varint.maxLength + 8

    /// Appends a Strata checkpoint record: type 64, then per series BE64 ref, uvarint chunk count
    /// and per chunk varint minTime, varint maxTime, encoding byte, uvarint length and the bytes.
    @inlinable
    /// `type` is `.oooSeriesChunks` for the out-of-order chunks of a checkpoint (same layout).
    public static func seriesChunks(_ chunks: some Collection<RefChunks>, into out: inout [UInt8],
                                    type: RecordType = .seriesChunks) {
        out.append(type.rawValue)
        for s in chunks {
            Varint.appendBE64(s.ref, to: &out)
            Varint.appendUvarint(UInt64(s.chunks.count), to: &out)
            for c in s.chunks {
                Varint.appendVarint(c.minTime, to: &out)
                Varint.appendVarint(c.maxTime, to: &out)
                out.append(c.encoding.rawValue)
                Varint.appendUvarint(UInt64(c.data.count), to: &out)
                out.append(contentsOf: c.data)
            }
        }
    }
}
