import Logging
import StrataBlocks
import StrataChunks
import StrataModel

extension Head {
    /// Cuts the head's old data into Prometheus blocks under `directory` (`<directory>/<ULID>/`),
    /// one block per block range `[k·chunkRange, (k+1)·chunkRange)` that holds data. Returns the
    /// metas of the blocks written, oldest first; none when there is nothing to cut.
    ///
    /// Periodic calls (`force == false`) cut, once the head spans more than 1.5 ranges, every
    /// range ending at or before the head's newest sample minus half a range. Forced calls
    /// (flush, shutdown) cut everything, as Mimir's forced compaction does: the last block ends at
    /// the head's newest sample + 1, and appends newer than that are accepted right away. A block
    /// covers its range clipped to what earlier cuts left: its `minTime` is the later of the range
    /// start and the previous `minValidTime`, its `maxTime` (exclusive) the earlier of the range
    /// end and the cut's end. So blocks never overlap, also when a range is cut in several parts.
    ///
    /// Sequence: under the lock, raise `minValidTime` to the cut's end (appends older than it are
    /// refused from then on), close the open chunks that reach it (later appends start new
    /// chunks, so no chunk holds samples on both sides of `minValidTime`) and snapshot the series
    /// with data before it (references to chunk bytes); write the blocks without the lock, so
    /// appends and queries continue; once every block is published, truncate the head (chunks
    /// before `minValidTime`, then series left without chunks) and write a checkpoint so the WAL
    /// no longer holds the cut data. If writing a block fails, the blocks this call already
    /// published are removed, `minValidTime` is restored and the head keeps its data; the error
    /// names the directory and the next call retries. Cuts are serialised.
    public func cutBlocks(into directory: String, thanos: BlockMeta.Thanos?, force: Bool) throws(HeadError) -> [BlockMeta] {
        try cutLock.withLock { (_: inout Void) throws(HeadError) -> [BlockMeta] in
            try cutBlocksLocked(into: directory, thanos: thanos, force: force)
        }
    }

    private func cutBlocksLocked(into directory: String, thanos: BlockMeta.Thanos?, force: Bool) throws(HeadError) -> [BlockMeta] {
        let start = ContinuousClock.now
        guard let (plan, metas, oooCut) = try snapshotAndWrite(into: directory, thanos: thanos, force: force),
              !metas.isEmpty else { return [] }

        cutHooks.withLock { $0 }.beforeTruncate?()
        let duration = Self.seconds(since: start)
        let (seriesBefore, seriesAfter) = state.withLock { s -> (Int, Int) in
            let before = s.numSeries
            // Out-of-order samples first: a series whose samples were all cut then goes with
            // the in-order truncation.
            if !oooCut.isEmpty { s.truncateOOO(oooCut, before: plan.end) }
            s.truncate(before: plan.end)
            s.cut.blocks += metas.count
            s.cut.lastDurationSeconds = duration
            return (before, s.numSeries)
        }
        logger.info("TSDB head cut into blocks", metadata: [
            "directory": "\(directory)", "blocks": "\(metas.map(\.ulid))", "min_valid_time": "\(plan.end)",
            "series_removed": "\(seriesBefore - seriesAfter)", "duration_seconds": "\(duration)",
        ])

        do {
            try checkpoint()
        } catch {
            // The blocks are published and the head truncated; only the WAL still holds the cut
            // data, which replay drops given the blocks' minValidTime. The next
            // `checkpointIfNeeded` retries.
            state.withLock { $0.checkpoint.pendingAfterCut = true }
            logger.error("checkpoint after a block cut failed; retried by the next checkpointIfNeeded", metadata: [
                "wal": "\(walDirectory)", "error": "\(error)",
            ])
        }
        return metas
    }

    /// Raises `minValidTime`, snapshots the series to cut and writes their blocks; nil when there
    /// is nothing to cut. On failure `minValidTime` is restored.
    ///
    /// The snapshot lives only in this call: it is released before the caller truncates the
    /// head, so truncating does not copy the chunk arrays the snapshot shared with it.
    private func snapshotAndWrite(into directory: String, thanos: BlockMeta.Thanos?,
                                  force: Bool) throws(HeadError) -> (CutPlan, [BlockMeta], [(ref: UInt64, chunks: Int)])? {
        let chunkRange = options.chunkRange
        var snapshot: [CutSeries] = []
        // Series whose out-of-order samples the cut writes, with the number of sealed chunks the
        // snapshot took (chunks sealed during the cut are not in it and stay).
        var oooCut: [(ref: UInt64, chunks: Int)] = []
        var symbols: [String] = []
        let taken = try state.withLock { (s: inout HeadState) throws(HeadError) -> (CutPlan, Int64)? in
            guard s.wal != nil else { throw .closed }
            let previous = s.minValidTime
            // Out-of-order samples count towards the head's span: a forced cut writes them all,
            // also when they lie before what earlier cuts wrote; a periodic cut takes those only
            // along with a new in-order range (as Prometheus compacts its out-of-order head with
            // the in-order one), so a trickle of late samples does not cut a block per call.
            guard let plan = CutPlan(headMinTime: s.combinedMinTime, headMaxTime: s.combinedMaxTime, chunkRange: chunkRange,
                                     force: force, previousEnd: previous,
                                     dataBeforePreviousEnd: force && s.ooo.samples > 0 && s.ooo.minTime < previous) else {
                return nil
            }
            // Raised before the snapshot, under the same lock: from here on no append can add a
            // sample to what is being cut.
            s.minValidTime = Swift.max(s.minValidTime, plan.end)
            for series in s.allSeries {
                if let ooo = series.ooo, ooo.minTime < plan.end {
                    if ooo.seal() { s.ooo.chunks += 1 }
                    series.closeOpenChunk(reaching: plan.end)
                    oooCut.append((series.ref, ooo.chunks.count))
                    snapshot.append(CutSeries(series, before: plan.end, ooo: ooo.chunks.filter { $0.minTime < plan.end }))
                } else if series.minTime < plan.end {
                    series.closeOpenChunk(reaching: plan.end)
                    snapshot.append(CutSeries(series, before: plan.end))
                }
            }
            // Every string of the head rather than of each block's series, as Prometheus's head
            // blocks do: a superset is valid, and it costs one pass over the distinct strings
            // instead of hashing every label of every series.
            symbols = s.postings.symbols
            return (plan, previous)
        }
        guard let (plan, previousMinValidTime) = taken else { return nil }
        // Sorted outside the lock, in place: the array has no other owner.
        snapshot.sort { LabelOrder.less($0.labels, $1.labels) }
        do throws(HeadError) {
            return (plan, try writeBlocks(snapshot, symbols: symbols, plan: plan, directory: directory, thanos: thanos), oooCut)
        } catch {
            state.withLock { s in
                s.minValidTime = previousMinValidTime
                s.cut.failures += 1
            }
            logger.error("TSDB head block cut failed; the head keeps the data", metadata: [
                "directory": "\(directory)", "error": "\(error)",
            ])
            throw error
        }
    }

    /// Writes one block per range of `plan` that holds data, streaming `series` (sorted by labels)
    /// into each. On failure, removes the blocks already published by this call.
    private func writeBlocks(_ series: [CutSeries], symbols: [String], plan: CutPlan, directory: String,
                             thanos: BlockMeta.Thanos?) throws(HeadError) -> [BlockMeta] {
        let ranges = CutSeries.seriesByRange(series, plan: plan)
        guard !ranges.isEmpty else { return [] }
        do {
            try FileIO.makeDirectories(directory)
        } catch {
            throw .block("creating the block directory \(directory) failed: \(error)")
        }
        let oooBounds = CutSeries.oooBounds(series, plan: plan)
        var metas: [BlockMeta] = []
        for (rangeStart, members) in ranges {
            var (minTime, maxTime) = plan.blockBounds(rangeStart: rangeStart)
            if let ooo = oooBounds[rangeStart] {
                // Widened to the out-of-order samples of the range (still inside it).
                minTime = Swift.min(minTime, ooo.min)
                maxTime = Swift.max(maxTime, ooo.max + 1)
            }
            let meta: BlockMeta
            do throws(BlockError) {
                let writer = try BlockWriter(parentDirectory: directory, symbols: symbols, thanos: thanos)
                for i in members {
                    let chunks = series[i].chunks(from: minTime, to: maxTime)
                    try writer.addSeries(series[i].labels, chunks: try blockChunks(chunks, of: series[i].labels))
                }
                meta = try writer.finish(minTime: minTime, maxTime: maxTime)
            } catch {
                removePublished(metas, in: directory)
                throw .block("writing the block for [\(minTime), \(maxTime)) into \(directory) failed: \(error); the head keeps the data (still queryable and in the WAL) and the next cut retries")
            }
            metas.append(meta)
            do {
                try cutHooks.withLock { $0 }.afterBlockPublished?(meta)
            } catch {
                removePublished(metas, in: directory)
                throw error
            }
        }
        return metas
    }

    /// A series' head chunks as the block stores them: merged into chunks of
    /// `options.blockSamplesPerChunk` samples, or unchanged when that is 0.
    private func blockChunks(_ chunks: [EncodedChunk], of labels: Labels) throws(BlockError) -> [EncodedChunk] {
        guard options.blockSamplesPerChunk > 0 else { return chunks }
        do {
            return try BlockRechunk.rechunk(chunks, samplesPerChunk: options.blockSamplesPerChunk)
        } catch {
            throw .invalidInput(reason: "series \(labels): a head chunk cannot be decoded for re-chunking: \(error)")
        }
    }

    /// Undoes the blocks of a failed cut so the retry does not publish their data twice.
    private func removePublished(_ metas: [BlockMeta], in directory: String) {
        for meta in metas {
            let path = directory + "/" + meta.ulid
            do {
                try FileIO.removeTree(path)
            } catch {
                logger.error("could not remove a block of a failed cut; delete it before the next cut publishes its data again",
                             metadata: ["block": "\(path)", "error": "\(error)"])
            }
        }
    }
}

/// Fixed points of a cut where tests inject a fault or act while the head is being cut.
struct CutHooks: Sendable {
    /// Called after each block is published; throwing fails the cut there.
    var afterBlockPublished: (@Sendable (BlockMeta) throws(HeadError) -> Void)?
    /// Called once every block is published, before the head is truncated.
    var beforeTruncate: (@Sendable () -> Void)?
}
