import Logging
import StrataChunks
import StrataModel

/// The head's out-of-order figures, kept under its lock.
struct OOOSummary {
    /// Samples and sealed chunks held by every series' `OOOSeries`.
    var samples = 0
    var chunks = 0
    /// Oldest and newest out-of-order timestamp held (`.max`/`.min` when none).
    var minTime: Int64 = .max
    var maxTime: Int64 = .min
    /// Out-of-order samples appended since open (replay not included).
    var appended = 0
    /// Samples replayed from the WBL (and out-of-order samples restored from the checkpoint).
    var replayed = 0
    /// The newest in-order timestamp ever held, kept across truncations that empty the head, so
    /// the window stays anchored after a forced cut.
    var highestTimestamp: Int64 = .min
}

/// What the validator needs to take out-of-order samples during one append.
struct OOOCheck {
    /// The window in ms (> 0), named in refusals.
    let window: Int64
    /// The oldest timestamp the out-of-order head accepts: the window's start.
    let minTime: Int64
    /// Out-of-order samples accepted earlier in this batch, by series ref: timestamp → value bits.
    var pending: [UInt64: [Int64: UInt64]] = [:]
}

extension HeadState {
    /// The time the out-of-order window is measured back from: the head's newest sample (Prometheus
    /// uses the head's max time), or, when cuts emptied the head, the newest sample ever held or
    /// the end of the cut data.
    var oooWindowBase: Int64 {
        var base = Swift.max(maxTime, ooo.highestTimestamp)
        if minValidTime != .min { base = Swift.max(base, minValidTime - 1) }
        return base
    }

    /// The out-of-order check of one append, nil when the window is 0 (disabled).
    func oooCheck(window: Int64) -> OOOCheck? {
        guard window > 0 else { return nil }
        let base = oooWindowBase
        guard base != .min else { return OOOCheck(window: window, minTime: .min) }
        let (t, overflow) = base.subtractingReportingOverflow(window)
        return OOOCheck(window: window, minTime: overflow ? .min : t)
    }

    /// Stores a validated out-of-order sample.
    mutating func applyOOO(_ s: MemSeries, timestamp t: Int64, value v: Double, capacity: Int) {
        let store: OOOSeries
        if let existing = s.ooo {
            store = existing
        } else {
            store = OOOSeries()
            s.ooo = store
        }
        let before = store.sampleCount
        ooo.chunks += store.insert(timestamp: t, value: v, capacity: capacity)
        ooo.samples += store.sampleCount - before
        if t < ooo.minTime { ooo.minTime = t }
        if t > ooo.maxTime { ooo.maxTime = t }
    }

    /// Restores out-of-order chunks of a checkpoint.
    mutating func restoreOOO(_ s: MemSeries, chunks: [EncodedChunk]) {
        let store = s.ooo ?? OOOSeries()
        let (samplesBefore, chunksBefore) = (store.sampleCount, store.chunks.count)
        store.restore(chunks)
        guard !store.isEmpty else { return }
        s.ooo = store
        ooo.samples += store.sampleCount - samplesBefore
        ooo.chunks += store.chunks.count - chunksBefore
        ooo.replayed += store.sampleCount - samplesBefore
        ooo.minTime = Swift.min(ooo.minTime, store.minTime)
        ooo.maxTime = Swift.max(ooo.maxTime, store.maxTime)
    }

    /// After a cut published blocks holding the out-of-order samples before `end` of the first
    /// `count` sealed chunks of each listed series: drops those samples and recomputes the figures.
    mutating func truncateOOO(_ cut: [(ref: UInt64, chunks: Int)], before end: Int64) {
        for (ref, count) in cut {
            // Cuts are serialised and only a cut removes a series holding out-of-order samples.
            guard let series = series(ref: ref), let store = series.ooo else { continue }
            _ = store.truncate(firstChunks: count, before: end)
            if store.isEmpty { series.ooo = nil }
        }
        recountOOO()
    }

    /// Recomputes the out-of-order figures from the series.
    mutating func recountOOO() {
        var summary = ooo
        summary.samples = 0
        summary.chunks = 0
        summary.minTime = .max
        summary.maxTime = .min
        for series in allSeries {
            guard let store = series.ooo else { continue }
            summary.samples += store.sampleCount
            summary.chunks += store.chunks.count
            summary.minTime = Swift.min(summary.minTime, store.minTime)
            summary.maxTime = Swift.max(summary.maxTime, store.maxTime)
        }
        ooo = summary
    }

    /// Oldest and newest timestamp held, in-order and out-of-order.
    var combinedMinTime: Int64 { Swift.min(minTime, ooo.minTime) }
    var combinedMaxTime: Int64 { Swift.max(maxTime, ooo.maxTime) }
}

extension Head {
    /// Writes the accepted out-of-order samples to the WBL as one samples record (Prometheus's
    /// record type 2 in `wbl/`).
    static func writeWBL(_ wbl: WAL, scratch: inout AppendScratch) throws(HeadError) {
        scratch.samplesRecord.removeAll(keepingCapacity: true)
        RecordEncoder.samples(scratch.oooSamples, into: &scratch.samplesRecord)
        do {
            try wbl.log(scratch.samplesRecord)
        } catch {
            throw .wal("writing \(scratch.oooSamples.count) out-of-order samples to the WBL failed: \(error)")
        }
    }

    /// Replays the WBL segments in `wblDirectory` into `s` (after the WAL, so every series is
    /// known), repairing a torn tail.
    static func replayWBL(into s: inout HeadState, wblDirectory: String, capacity: Int, logger: Logger) throws(HeadError) {
        let segments: [Int]
        do {
            try FileIO.makeDirectories(wblDirectory)
            segments = try WAL.segments(in: wblDirectory)
        } catch {
            throw .wal("reading the WBL directory \(wblDirectory) failed: \(error)")
        }
        guard let first = segments.min() else { return }
        var buffer: [RefSample] = []
        var unknown = 0
        do {
            let stats = try WALReader.replay(directory: wblDirectory, from: first, through: nil, repair: true,
                                             logger: logger) { record in
                s.replay.records += 1
                guard RecordDecoder.type(of: record) == .samples else { return }
                buffer.removeAll(keepingCapacity: true)
                do {
                    try RecordDecoder.samples(record, into: &buffer)
                } catch {
                    throw HeadError.corrupt("WBL record \(s.replay.records): \(error)")
                }
                for sample in buffer {
                    guard let series = s.series(ref: sample.ref) else {
                        unknown += 1
                        continue
                    }
                    // Already an in-order sample (a WBL segment older than the checkpoint that
                    // made it one cannot exist, but a foreign WBL might): keep the in-order one.
                    if series.inOrderValueBits(at: sample.timestamp) != nil { continue }
                    s.applyOOO(series, timestamp: sample.timestamp, value: sample.value, capacity: capacity)
                    s.ooo.replayed += 1
                }
            }
            if stats.repaired { s.replay.repairs += 1 }
        } catch let error as HeadError {
            throw error
        } catch {
            throw .wal("replaying the WBL in \(wblDirectory) failed: \(error)")
        }
        s.replay.unknownRefSamples += unknown
        if unknown > 0 {
            logger.warning("WBL replay skipped samples of unknown series", metadata: ["samples": "\(unknown)"])
        }
    }
}

extension BatchValidator {
    /// Validates a sample the in-order rules refuse (older than the series' newest sample or than
    /// the in-order head's window) while out-of-order ingestion is on: within the window and not
    /// a new value for a held timestamp, it is queued for the out-of-order head and the WBL;
    /// older than the window it is refused `sample-too-old`.
    ///
    /// Duplicates are looked for in this batch first (this entry's accepted in-order samples by
    /// binary search; earlier entries of the same series only when it repeats in the batch;
    /// out-of-order samples accepted before) and then in the series' stored samples.
    mutating func checkOOO(_ t: Int64, _ value: Double, _ batch: SeriesBatch, _ index: Int, _ series: MemSeries?,
                           _ labels: Labels?, _ refusal: (ErrorID, String)?, _ scratch: inout AppendScratch,
                           _ entryStart: Int, _ repeated: Bool) {
        guard let oldest = ooo?.minTime else { return }
        guard t >= oldest else {
            reject(.sampleTooOld, t, batch, index, series, labels)
            return
        }
        if let refusal {
            outcome.rejected[refusal.0, default: 0] += 1
            if outcome.firstRejection == nil {
                outcome.firstRejection = AppendRejection(id: refusal.0, message: refusal.1)
            }
            return
        }
        guard let series else {
            // A series that will not be created: only when nothing of it was acceptable, which a
            // sample within the window contradicts; refused as too old to be safe.
            reject(.sampleTooOld, t, batch, index, series, labels)
            return
        }
        let bits = value.bitPattern
        if let held = Self.pendingBits(at: t, ref: series.ref, scratch: scratch, entryStart: entryStart, repeated: repeated)
            ?? ooo?.pending[series.ref]?[t]
            ?? series.inOrderValueBits(at: t)
            ?? series.ooo?.valueBits(at: t) {
            if held == bits {
                outcome.duplicatesIgnored += 1
            } else {
                reject(.sampleDuplicateTimestamp, t, batch, index, series, labels)
            }
            return
        }
        ooo?.pending[series.ref, default: [:]][t] = bits
        scratch.oooSamples.append(RefSample(ref: series.ref, timestamp: t, value: value))
        scratch.oooTargets.append(series)
    }

    /// The bits of an in-order sample at `t` accepted earlier in this batch for series `ref`.
    private static func pendingBits(at t: Int64, ref: UInt64, scratch: AppendScratch, entryStart: Int, repeated: Bool) -> UInt64? {
        let samples = scratch.samples
        // This entry's accepted samples are sorted by timestamp.
        var lo = entryStart, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid].timestamp < t { lo = mid + 1 } else { hi = mid }
        }
        if lo < samples.count, samples[lo].timestamp == t { return samples[lo].value.bitPattern }
        guard repeated else { return nil }
        for s in samples[..<entryStart] where s.ref == ref && s.timestamp == t { return s.value.bitPattern }
        return nil
    }
}
