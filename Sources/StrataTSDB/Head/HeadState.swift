#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrataChunks
import StrataModel

/// Everything a head guards with its lock.
struct HeadState {
    /// The WAL being written; nil once the head is closed.
    var wal: WAL?
    /// The write-behind log of out-of-order samples (`<dir>/wbl`); nil once the head is closed.
    var wbl: WAL?
    /// Out-of-order bookkeeping (see `OOOSummary`).
    var ooo = OOOSummary()
    /// Series by label hash: the first series seen with a hash.
    var byHash: [UInt64: MemSeries] = [:]
    /// Further series whose labels hash to a key `byHash` already holds (xxHash64 collisions:
    /// expected never in practice, handled because a collision must not merge two series).
    var collisions: [UInt64: [MemSeries]] = [:]
    /// Series by ref: slot `ref - 1`. Refs are dense (handed out one by one), so an array costs
    /// 8 bytes per series where a dictionary would cost about 3 times that.
    var byRef: ContiguousArray<MemSeries?> = []
    /// Number of series held (`byRef` may hold empty slots after replaying a damaged WAL).
    var numSeries = 0
    /// The ref the next new series gets.
    var nextRef: UInt64 = 1
    /// The inverted index.
    var postings = Postings()
    /// Interned label names and values.
    var symbols = SymbolTable()
    /// Series per metric name, for the per-metric limit.
    var seriesPerMetric: [String: Int] = [:]
    /// Chunks held, open chunks included.
    var numChunks = 0
    /// Oldest and newest sample timestamps.
    var minTime: Int64 = .max
    var maxTime: Int64 = .min
    /// The oldest timestamp an append may carry: the exclusive end of the data cut into blocks
    /// (or being cut), a range bound after a periodic cut, the newest sample + 1 after a forced
    /// one. Never lowered except to undo a cut that failed.
    var minValidTime: Int64 = .min
    /// Counters since open.
    var samplesAppended = 0
    var seriesCreated = 0
    /// Incremented by every append call; see `MemSeries.scratchEpoch`.
    var epoch: UInt64 = 0
    /// Scratch buffers reused across appends so the hot path does not allocate.
    var scratch = AppendScratch()
    /// Mask applied to label hashes (see `HeadOptions.hashMask`).
    var hashMask: UInt64 = ~0
    /// Replay figures, fixed after open.
    var replay = ReplaySummary()
    /// Checkpoint bookkeeping.
    var checkpoint = CheckpointSummary()
    /// Block cut bookkeeping.
    var cut = CutSummary()

    // MARK: - Lookup

    /// The series with these labels, looked up by the batch's label bytes (no `String` built).
    func series(hash: UInt64, batch: SeriesBatch, index: Int) -> MemSeries? {
        if let s = byHash[hash] {
            if labelsEqual(s.labels, batch: batch, index: index) { return s }
            if let more = collisions[hash] {
                for s in more where labelsEqual(s.labels, batch: batch, index: index) { return s }
            }
        }
        return nil
    }

    /// The series with these labels.
    func series(hash: UInt64, labels: Labels) -> MemSeries? {
        if let s = byHash[hash] {
            if s.labels == labels { return s }
            if let more = collisions[hash] {
                for s in more where s.labels == labels { return s }
            }
        }
        return nil
    }

    /// The series with this ref.
    func series(ref: UInt64) -> MemSeries? {
        guard ref >= 1, ref <= UInt64(byRef.count) else { return nil }
        return byRef[Int(ref - 1)]
    }

    // MARK: - Mutation

    /// Registers a new series in every map and the index. The caller guarantees the ref and the
    /// labels are not present yet.
    mutating func register(_ s: MemSeries, hash: UInt64) {
        if byHash[hash] == nil {
            byHash[hash] = s
        } else {
            collisions[hash, default: []].append(s)
        }
        let slot = Int(s.ref - 1)
        if slot >= byRef.count {
            byRef.reserveCapacity(Swift.max(slot + 1, byRef.count * 2))
            while byRef.count < slot { byRef.append(nil) }
            byRef.append(s)
        } else {
            byRef[slot] = s
        }
        numSeries += 1
        if s.ref >= nextRef { nextRef = s.ref + 1 }
        postings.add(ref: s.ref, labels: s.labels)
        if let name = s.labels.metricName { seriesPerMetric[name, default: 0] += 1 }
    }

    /// Appends a validated sample to `s` and keeps the head's bounds and chunk count.
    mutating func apply(_ s: MemSeries, timestamp t: Int64, value v: Double, chunkRange: Int64, samplesPerChunk: Int) {
        let before = s.chunkCount
        s.append(timestamp: t, value: v, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
        numChunks += s.chunkCount - before
        if t < minTime { minTime = t }
        if t > maxTime { maxTime = t }
    }

    /// Appends a validated histogram to `s` and keeps the head's bounds and chunk count.
    mutating func applyHistogram(_ s: MemSeries, timestamp t: Int64, value: HistogramValue, chunkRange: Int64,
                                 samplesPerChunk: Int) {
        let before = s.chunkCount
        s.appendHistogram(timestamp: t, value: value, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
        numChunks += s.chunkCount - before
        if t < minTime { minTime = t }
        if t > maxTime { maxTime = t }
    }

    /// Every live series, in ref order.
    var allSeries: some Sequence<MemSeries> { byRef.lazy.compactMap { $0 } }
}

/// Buffers one append reuses from the previous one.
struct AppendScratch {
    /// Accepted samples, in WAL order.
    var samples: [RefSample] = []
    /// The series of each accepted sample (parallel to `samples`).
    var targets: ContiguousArray<MemSeries> = []
    /// Series created by the call, in ref order.
    var newSeries: [MemSeries] = []
    /// Label hashes of `newSeries` (parallel).
    var newHashes: [UInt64] = []
    /// Encoded WAL records.
    var seriesRecord: [UInt8] = []
    var samplesRecord: [UInt8] = []
    /// Accepted out-of-order samples, in WBL order, and their series (parallel).
    var oooSamples: [RefSample] = []
    var oooTargets: ContiguousArray<MemSeries> = []
    /// WAL batch of the call (see `Head+AppendHistogram.swift`): 0 until a series changes from
    /// a sample kind to one logged in an earlier record of the batch, then counting up.
    var batch = 0
    /// Accepted histograms in acceptance order, their series and batch (parallel).
    var histograms: [RefHistogramSample] = []
    var histogramTargets: ContiguousArray<MemSeries> = []
    var histogramBatch: [Int] = []
    /// Accepted floats of batches after the first, their series and batch (parallel).
    var laterSamples: [RefSample] = []
    var laterTargets: ContiguousArray<MemSeries> = []
    var laterBatch: [Int] = []

    /// Drops the contents, keeping capacity (and releasing series references).
    mutating func reset() {
        if !histograms.isEmpty || !laterSamples.isEmpty || batch != 0 {
            batch = 0
            histograms.removeAll(keepingCapacity: true)
            histogramTargets.removeAll(keepingCapacity: true)
            histogramBatch.removeAll(keepingCapacity: true)
            laterSamples.removeAll(keepingCapacity: true)
            laterTargets.removeAll(keepingCapacity: true)
            laterBatch.removeAll(keepingCapacity: true)
        }
        if !oooSamples.isEmpty {
            oooSamples.removeAll(keepingCapacity: true)
            oooTargets.removeAll(keepingCapacity: true)
        }
        samples.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        newSeries.removeAll(keepingCapacity: true)
        newHashes.removeAll(keepingCapacity: true)
    }
}

/// What replay found when the head was opened.
struct ReplaySummary {
    var records = 0
    var samples = 0
    var unknownRefSamples = 0
    var repairs = 0
    var durationSeconds = 0.0
    var checkpointIndex = -1
    /// Samples (in WAL samples or checkpoint chunks) older than `minValidTime`, dropped.
    var belowMinValidTime = 0
}

/// What `cutBlocks` did since the head was opened.
struct CutSummary {
    var blocks = 0
    var failures = 0
    var lastDurationSeconds = 0.0
    /// Series removed because a truncation left them without chunks (replay's removals included).
    var seriesRemoved = 0
}

/// What the checkpoint policy needs to know about the last checkpoint.
struct CheckpointSummary {
    /// Checkpoints written since open.
    var count = 0
    /// The last WAL segment the newest checkpoint covers, -1 when there is none.
    var lastIndex = -1
    /// The first WAL segment written after the newest checkpoint (or at open).
    var firstSegmentSinceCheckpoint = 0
    /// `WAL.bytesWritten` when the newest checkpoint was cut (0 at open).
    var walBytesAtLast = 0
    var lastDurationSeconds = 0.0
    /// A cut truncated the head but its checkpoint failed: `checkpointIfNeeded` retries at once.
    var pendingAfterCut = false
}

/// True when `labels` equals the labels of series `index` of `batch`, compared byte by byte.
///
/// The hot path of every append to a known series: one pass over the batch buffer, labels
/// borrowed in place (no `Label` copies, so no reference counting), one `memcmp` per string.
@inline(__always)
func labelsEqual(_ labels: Labels, batch: SeriesBatch, index: Int) -> Bool {
    let entry = batch.series[index]
    let n = Int(entry.labelCount)
    guard labels.count == n else { return false }
    let first = Int(entry.labelStart)
    return batch.buffer.withUnsafeBytes { raw in
        labels.storage.withUnsafeBufferPointer { stored in
            batch.labels.withUnsafeBufferPointer { refs in
                for i in 0..<n {
                    let ref = refs[first + i]
                    let name = UnsafeRawBufferPointer(rebasing: raw[Int(ref.nameOffset)..<Int(ref.nameOffset + ref.nameLength)])
                    guard bytesEqual(stored[i].name, name) else { return false }
                    let value = UnsafeRawBufferPointer(rebasing: raw[Int(ref.valueOffset)..<Int(ref.valueOffset + ref.valueLength)])
                    guard bytesEqual(stored[i].value, value) else { return false }
                }
                return true
            }
        }
    }
}

@inline(__always)
func bytesEqual(_ s: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
    let utf8 = s.utf8
    if let r = utf8.withContiguousStorageIfAvailable({ stored -> Bool in
        guard stored.count == bytes.count else { return false }
        guard let a = stored.baseAddress, let b = bytes.baseAddress else { return true } // both empty
        return memcmp(a, b, bytes.count) == 0
    }) {
        return r
    }
    return utf8.elementsEqual(bytes)
}
