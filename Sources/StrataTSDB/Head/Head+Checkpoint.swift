import Logging
import StrataChunks
import StrataModel

extension Head {
    /// Series per checkpoint record: large enough that record framing is negligible, small enough
    /// that replay never holds more than a few MiB of decoded chunks at once.
    static let checkpointSeriesPerRecord = 1000

    /// Writes a checkpoint now: every series' labels and chunks (the open chunk included), covering
    /// every WAL segment up to the one just completed, then deletes those segments.
    ///
    /// Under the lock the WAL cuts a new segment and the series are snapshotted (references to
    /// labels and chunk bytes, no encoding); the checkpoint is encoded and written without the
    /// lock. A crash at any point replays to the same head: the checkpoint directory appears
    /// atomically, and segments are deleted only after it is durable.
    public func checkpoint() throws(HeadError) {
        try checkpointLock.withLock { (_: inout Void) throws(HeadError) in
            try writeCheckpoint()
        }
    }

    /// Checkpoints when the policy says so: at least `checkpointMinSegments` WAL segments were
    /// completed since the last checkpoint, or `checkpointMaxWALBytes` were written since then.
    /// Returns whether a checkpoint was written. Returns false at once when a checkpoint is
    /// already running.
    @discardableResult
    public func checkpointIfNeeded() throws(HeadError) -> Bool {
        guard checkpointNeeded() else { return false }
        let result = checkpointLock.withLockIfAvailable { (_: inout Void) -> Result<Bool, HeadError> in
            // Re-checked: a checkpoint may have finished while this call waited for the lock.
            guard checkpointNeeded() else { return .success(false) }
            do throws(HeadError) {
                try writeCheckpoint()
                return .success(true)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case nil: return false
        case .success(let written)?: return written
        case .failure(let error)?: throw error
        }
    }

    /// The policy of `checkpointIfNeeded`.
    func checkpointNeeded() -> Bool {
        state.withLock { s in
            guard let wal = s.wal else { return false }
            if s.checkpoint.pendingAfterCut { return true }
            let completed = wal.currentSegment - s.checkpoint.firstSegmentSinceCheckpoint
            if options.checkpointMinSegments > 0, completed >= options.checkpointMinSegments { return true }
            let bytes = Int(wal.bytesWritten) - s.checkpoint.walBytesAtLast
            return options.checkpointMaxWALBytes > 0 && bytes >= options.checkpointMaxWALBytes
        }
    }

    /// One series as the checkpoint sees it.
    struct SeriesSnapshot: Sendable {
        let ref: UInt64
        let labels: Labels
        let closed: ContiguousArray<EncodedChunk>
        /// The open chunk (XOR or histogram), bytes shared with the head.
        let open: EncodedChunk?
        /// Out-of-order chunks (the buffer encoded as the last), empty when none.
        var ooo: [EncodedChunk] = []
    }

    private func writeCheckpoint() throws(HeadError) {
        let start = ContinuousClock.now
        let (index, walBytes, snapshot, wblCompleted) = try state.withLock {
            (s: inout HeadState) throws(HeadError) -> (Int, Int, [SeriesSnapshot], Int?) in
            guard let wal = s.wal else { throw .closed }
            let completed: Int
            var wblCompleted: Int?
            do {
                // Segments up to `completed` now hold exactly what the snapshot holds.
                completed = try wal.cutSegment() - 1
            } catch {
                throw .wal("cutting a WAL segment for a checkpoint failed: \(error)")
            }
            if let wbl = s.wbl {
                if wbl.bytesWritten > 0 || s.ooo.samples > 0 {
                    do {
                        // Likewise for the out-of-order samples of WBL segments up to this one.
                        wblCompleted = try wbl.cutSegment() - 1
                    } catch {
                        throw .wal("cutting a WBL segment for a checkpoint failed: \(error)")
                    }
                } else {
                    // Nothing out of order held or written since open: older segments (the
                    // empty ones of earlier opens) hold nothing the head still needs.
                    wblCompleted = wbl.currentSegment - 1
                }
            }
            var snapshot: [SeriesSnapshot] = []
            snapshot.reserveCapacity(s.numSeries)
            for series in s.allSeries {
                var entry = SeriesSnapshot(ref: series.ref, labels: series.labels, closed: series.closed, open: series.openEncoded)
                if let ooo = series.ooo { entry.ooo = ooo.allChunks }
                snapshot.append(entry)
            }
            return (completed, Int(wal.bytesWritten), snapshot, wblCompleted)
        }

        let records = CheckpointRecords(snapshot: snapshot, perRecord: Self.checkpointSeriesPerRecord)
        let path: String
        do {
            path = try Checkpoint.write(walDirectory: walDirectory, index: index, records: records, logger: logger)
        } catch {
            throw .wal("writing checkpoint \(index) in \(walDirectory) failed: \(error)")
        }

        let duration = Self.seconds(since: start)
        try state.withLock { (s: inout HeadState) throws(HeadError) in
            s.checkpoint.count += 1
            s.checkpoint.lastIndex = index
            s.checkpoint.firstSegmentSinceCheckpoint = index + 1
            s.checkpoint.walBytesAtLast = walBytes
            s.checkpoint.lastDurationSeconds = duration
            s.checkpoint.pendingAfterCut = false
            guard let wal = s.wal else { return }
            do {
                try wal.removeSegments(before: index + 1)
            } catch {
                throw .wal("deleting WAL segments before \(index + 1) after checkpoint \(path) failed: \(error)")
            }
            // The checkpoint holds the out-of-order samples of these WBL segments (or a cut wrote
            // them into blocks). A crash before this line replays them again next to the
            // checkpoint's copy: identical samples, which readers and cuts keep once.
            guard let wbl = s.wbl, let wblCompleted else { return }
            do {
                try wbl.removeSegments(before: wblCompleted + 1)
            } catch {
                throw .wal("deleting WBL segments before \(wblCompleted + 1) after checkpoint \(path) failed: \(error)")
            }
        }
        logger.info("TSDB head checkpoint written", metadata: [
            "path": "\(path)", "series": "\(snapshot.count)", "duration_seconds": "\(duration)",
        ])
    }
}

/// The records of a checkpoint, encoded lazily batch by batch: for each batch of series, a series
/// record and then its seriesChunks record (so replay always knows a series before its chunks).
struct CheckpointRecords: Sequence {
    let snapshot: [Head.SeriesSnapshot]
    let perRecord: Int

    struct Iterator: IteratorProtocol {
        let snapshot: [Head.SeriesSnapshot]
        let perRecord: Int
        var position = 0
        var pendingChunks: [UInt8]?

        /// The out-of-order chunks of the batch, after its chunks record.
        var pendingOOO: [UInt8]?

        mutating func next() -> [UInt8]? {
            if let chunks = pendingChunks {
                pendingChunks = nil
                return chunks
            }
            if let ooo = pendingOOO {
                pendingOOO = nil
                return ooo
            }
            guard position < snapshot.count else { return nil }
            let end = Swift.min(position + perRecord, snapshot.count)
            let batch = snapshot[position..<end]
            position = end
            var seriesRecord: [UInt8] = []
            RecordEncoder.series(batch.lazy.map { RefSeries(ref: $0.ref, labels: $0.labels) }, into: &seriesRecord)
            var chunksRecord: [UInt8] = []
            RecordEncoder.seriesChunks(batch.lazy.map { series in
                var chunks = Array(series.closed)
                if let open = series.open { chunks.append(open) }
                return RefChunks(ref: series.ref, chunks: chunks)
            }, into: &chunksRecord)
            if batch.contains(where: { !$0.ooo.isEmpty }) {
                var oooRecord: [UInt8] = []
                RecordEncoder.seriesChunks(batch.lazy.filter { !$0.ooo.isEmpty }.map { RefChunks(ref: $0.ref, chunks: $0.ooo) },
                                           into: &oooRecord, type: .oooSeriesChunks)
                pendingOOO = oooRecord
            }
            pendingChunks = chunksRecord
            return seriesRecord
        }
    }

    func makeIterator() -> Iterator { Iterator(snapshot: snapshot, perRecord: perRecord) }
}
