import StrataChunks
import StrataModel

/// The out-of-order part of one series (Prometheus's `memSeries.ooo`): samples older than the
/// series' newest in-order sample, or older than what the in-order head still accepts, that
/// arrived within the tenant's out-of-order window.
///
/// Memory is bounded per sample as for in-order data: late samples gather in a small sorted
/// buffer of at most `capacity` samples (Prometheus's `out_of_order_cap`, 32 by default); a full
/// buffer is encoded into an XOR chunk (about 1–2 bytes per sample instead of 16) and sealed.
/// Sealed chunks are each sorted but may overlap one another and the in-order chunks; readers
/// merge them by timestamp, and a cut merges them with the in-order samples into non-overlapping
/// block chunks. They live until a cut writes them into a block, so the window bounds them.
///
/// Only ever touched under the head's lock.
final class OOOSeries {
    /// Sealed chunks, in the order they were sealed (not by time).
    private(set) var chunks: ContiguousArray<EncodedChunk> = []
    /// Samples not sealed yet, sorted by timestamp, timestamps distinct.
    private(set) var buffer: [Sample] = []
    /// Oldest and newest timestamp held.
    private(set) var minTime: Int64 = .max
    private(set) var maxTime: Int64 = .min
    /// Samples held (sealed and buffered).
    private(set) var sampleCount = 0

    init() {}

    /// True when nothing is held.
    var isEmpty: Bool { sampleCount == 0 }

    /// Adds a sample the caller validated (not a duplicate of a held timestamp with other value
    /// bits). An exact repeat of a buffered timestamp is dropped; a repeat of a sealed sample
    /// (only replay of a WBL segment a checkpoint already covered produces one) is kept, and
    /// readers keep one of the identical copies. Returns the change in the number of sealed
    /// chunks (0 or 1).
    @discardableResult
    func insert(timestamp t: Int64, value v: Double, capacity: Int) -> Int {
        var lo = 0, hi = buffer.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if buffer[mid].timestamp < t { lo = mid + 1 } else { hi = mid }
        }
        if lo < buffer.count, buffer[lo].timestamp == t { return 0 }
        buffer.insert(Sample(timestamp: t, value: v), at: lo)
        sampleCount += 1
        if t < minTime { minTime = t }
        if t > maxTime { maxTime = t }
        guard buffer.count >= Swift.max(1, capacity) else { return 0 }
        seal()
        return 1
    }

    /// Encodes the buffer into a sealed chunk. Returns whether one was sealed.
    @discardableResult
    func seal() -> Bool {
        guard let chunk = Self.encode(buffer) else { return false }
        chunks.append(chunk)
        buffer.removeAll(keepingCapacity: false)
        return true
    }

    /// The value bits held at `t`, if any.
    func valueBits(at t: Int64) -> UInt64? {
        guard t >= minTime, t <= maxTime else { return nil }
        var lo = 0, hi = buffer.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if buffer[mid].timestamp < t { lo = mid + 1 } else { hi = mid }
        }
        if lo < buffer.count, buffer[lo].timestamp == t { return buffer[lo].value.bitPattern }
        for c in chunks where c.minTime <= t && c.maxTime >= t {
            if let bits = Self.valueBits(in: c, at: t) { return bits }
        }
        return nil
    }

    /// Sealed chunks overlapping `[minTime, maxTime]` and the buffer as a snapshot chunk.
    func chunks(minTime lo: Int64, maxTime hi: Int64) -> [EncodedChunk] {
        guard minTime <= hi, maxTime >= lo else { return [] }
        var out: [EncodedChunk] = []
        for c in chunks where c.maxTime >= lo && c.minTime <= hi { out.append(c) }
        if let b = Self.encode(buffer), b.maxTime >= lo, b.minTime <= hi { out.append(b) }
        return out
    }

    /// Every chunk held, the buffer encoded as the last one (for checkpoints).
    var allChunks: [EncodedChunk] {
        var out = Array(chunks)
        if let b = Self.encode(buffer) { out.append(b) }
        return out
    }

    /// Restores chunks from a checkpoint (appended to what is held).
    func restore(_ restored: [EncodedChunk]) {
        for c in restored {
            let n = c.data.count >= 2 ? Int(c.data[0]) << 8 | Int(c.data[1]) : 0
            guard n > 0 else { continue }
            chunks.append(c)
            sampleCount += n
            minTime = Swift.min(minTime, c.minTime)
            maxTime = Swift.max(maxTime, c.maxTime)
        }
    }

    /// After a cut that wrote the samples before `end` of the first `count` sealed chunks into
    /// blocks: drops those samples, keeping their samples at or after `end` (re-encoded) and every
    /// chunk sealed after the cut's snapshot. Returns the change in the number of sealed chunks.
    func truncate(firstChunks count: Int, before end: Int64) -> Int {
        let before = chunks.count
        var kept: ContiguousArray<EncodedChunk> = []
        for (i, c) in chunks.enumerated() {
            if i >= count || c.minTime >= end {
                kept.append(c)
            } else if c.maxTime >= end, var part = ChunkSlicer.slice(c, from: end, through: .max) {
                part.compact()
                kept.append(part.encoded())
            }
        }
        chunks = kept
        recount()
        return chunks.count - before
    }

    private func recount() {
        sampleCount = buffer.count
        minTime = buffer.first?.timestamp ?? .max
        maxTime = buffer.last?.timestamp ?? .min
        for c in chunks {
            sampleCount += c.data.count >= 2 ? Int(c.data[0]) << 8 | Int(c.data[1]) : 0
            minTime = Swift.min(minTime, c.minTime)
            maxTime = Swift.max(maxTime, c.maxTime)
        }
    }

    /// `samples` (sorted) as one XOR chunk; nil when empty.
    static func encode(_ samples: [Sample]) -> EncodedChunk? {
        guard !samples.isEmpty else { return nil }
        var chunk = XORChunk()
        for s in samples { chunk.append(timestamp: s.timestamp, value: s.value) }
        chunk.compact()
        return chunk.encoded()
    }

    /// The value bits at `t` in chunk `c`, if it holds `t`.
    static func valueBits(in c: EncodedChunk, at t: Int64) -> UInt64? {
        var it = XORIterator(bytes: c.data)
        while let s = it.next() {
            if s.timestamp == t { return s.value.bitPattern }
            if s.timestamp > t { return nil }
        }
        return nil
    }

    /// Merges sample lists of several sorted chunks into one sorted list without repeated
    /// timestamps; where chunks share a timestamp the earliest chunk in `chunks` wins (in-order
    /// chunks are passed first, so a copy of the same sample elsewhere never changes the value).
    static func mergedSamples(_ chunks: [EncodedChunk], from: Int64, to: Int64) -> [Sample] {
        var all: [(sample: Sample, order: Int)] = []
        for (order, c) in chunks.enumerated() where c.maxTime >= from && c.minTime < to {
            var it = XORIterator(bytes: c.data)
            while let s = it.next() {
                if s.timestamp >= to { break }
                if s.timestamp >= from { all.append((s, order)) }
            }
        }
        all.sort { $0.sample.timestamp != $1.sample.timestamp ? $0.sample.timestamp < $1.sample.timestamp : $0.order < $1.order }
        var out: [Sample] = []
        out.reserveCapacity(all.count)
        for entry in all where out.last?.timestamp != entry.sample.timestamp { out.append(entry.sample) }
        return out
    }
}

extension MemSeries {
    /// The value bits of the in-order sample at `t`, if any (decodes at most the chunk holding it).
    func inOrderValueBits(at t: Int64) -> UInt64? {
        guard t >= minTime, t <= lastTimestamp else { return nil }
        if t == lastTimestamp { return lastValueBits }
        var lo = 0, hi = closed.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if closed[mid].maxTime < t { lo = mid + 1 } else { hi = mid }
        }
        if lo < closed.count, closed[lo].minTime <= t { return OOOSeries.valueBits(in: closed[lo], at: t) }
        if let open, open.count > 0, open.minTime <= t { return OOOSeries.valueBits(in: open.encoded(), at: t) }
        return nil
    }
}
