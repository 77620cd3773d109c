import Logging
import StrataChunks
import StrataModel
import Synchronization

/// One tenant's in-memory head: the series of the current block range, their chunks, the
/// postings index and the WAL that makes them durable. See `docs/tsdb-head.md`.
///
/// Shared by concurrent pushes and queries. One lock guards the state: an append holds it across
/// validation, the WAL write and the in-memory update, so the WAL's order is memory's order;
/// queries hold it only to evaluate the index and reference chunk bytes.
public final class Head: Sendable {
    /// The WAL directory, `<directory>/wal`.
    public let walDirectory: String
    /// The write-behind log of out-of-order samples, `<directory>/wbl` (Prometheus's layout).
    public let wblDirectory: String
    let options: HeadOptions
    let logger: Logger
    let state: Mutex<HeadState>
    /// Serialises checkpoints (held for a whole checkpoint; appends never take it).
    let checkpointLock = Mutex<Void>(())
    /// Serialises block cuts (held for a whole cut; appends and queries never take it).
    let cutLock = Mutex<Void>(())
    /// Test hooks called at fixed points of a cut (see `CutHooks`).
    let cutHooks = Mutex<CutHooks>(CutHooks())

    /// Opens (creating if needed) the head whose WAL lives in `<directory>/wal`: replays the
    /// latest checkpoint, then the WAL segments after it (repairing a torn tail), then opens a new
    /// WAL segment for writing.
    public init(directory: String, options: HeadOptions = HeadOptions(), logger: Logger) throws(HeadError) {
        let walDirectory = directory + "/wal"
        self.walDirectory = walDirectory
        let wblDirectory = directory + "/wbl"
        self.wblDirectory = wblDirectory
        self.options = options
        self.logger = logger
        let start = ContinuousClock.now
        var s = HeadState()
        s.hashMask = options.hashMask
        s.minValidTime = options.minValidTime
        try Self.replay(into: &s, walDirectory: walDirectory, wblDirectory: wblDirectory, options: options, logger: logger)
        let wal: WAL
        let wbl: WAL
        do {
            wal = try WAL(directory: walDirectory, segmentSize: options.walSegmentSize, logger: logger)
        } catch {
            throw .wal("opening the WAL in \(walDirectory) failed: \(error)")
        }
        do {
            wbl = try WAL(directory: wblDirectory, segmentSize: options.walSegmentSize, logger: logger)
        } catch {
            throw .wal("opening the WBL in \(wblDirectory) failed: \(error)")
        }
        if s.replay.checkpointIndex >= 0 {
            // A crash between writing a checkpoint and deleting the segments it covers leaves them
            // behind; replay ignored them, and they go now.
            do {
                try wal.removeSegments(before: s.replay.checkpointIndex + 1)
            } catch {
                logger.warning("could not remove WAL segments covered by the checkpoint", metadata: ["error": "\(error)"])
            }
        }
        s.checkpoint.lastIndex = s.replay.checkpointIndex
        // Segments replayed but not yet covered by a checkpoint count towards the next one.
        let checkpointIndex = s.replay.checkpointIndex
        s.checkpoint.firstSegmentSinceCheckpoint = ((try? WAL.segments(in: walDirectory)) ?? [])
            .filter { $0 > checkpointIndex }.min() ?? wal.currentSegment
        s.wal = wal
        s.wbl = wbl
        s.replay.durationSeconds = Self.seconds(since: start)
        logger.info("TSDB head opened", metadata: [
            "series": "\(s.numSeries)", "replayed_records": "\(s.replay.records)",
            "replayed_samples": "\(s.replay.samples)", "wal_repairs": "\(s.replay.repairs)",
            "duration_seconds": "\(s.replay.durationSeconds)",
        ])
        state = Mutex(s)
    }

    /// A point-in-time view of the head's size and WAL activity.
    public var stats: HeadStats {
        state.withLock { s in
            var out = HeadStats()
            out.numSeries = s.numSeries
            out.numChunks = s.numChunks
            out.minTime = s.combinedMinTime
            out.maxTime = s.combinedMaxTime
            out.samplesAppended = s.samplesAppended
            out.seriesCreated = s.seriesCreated
            out.symbols = s.symbols.count
            if let wal = s.wal {
                out.walBytesWritten = Int(wal.bytesWritten)
                out.walFsyncs = Int(wal.fsyncCount)
                out.walSegmentsCurrent = wal.currentSegment
            }
            out.checkpoints = s.checkpoint.count
            out.lastCheckpointIndex = s.checkpoint.lastIndex
            out.lastCheckpointDurationSeconds = s.checkpoint.lastDurationSeconds
            out.replayedRecords = s.replay.records
            out.replayedSamples = s.replay.samples
            out.replayUnknownRefSamples = s.replay.unknownRefSamples
            out.walRepairs = s.replay.repairs
            out.replayDurationSeconds = s.replay.durationSeconds
            out.replayBelowMinValidTimeSamples = s.replay.belowMinValidTime
            out.minValidTime = s.minValidTime
            out.blocksCut = s.cut.blocks
            out.blockCutFailures = s.cut.failures
            out.lastBlockCutDurationSeconds = s.cut.lastDurationSeconds
            out.seriesRemoved = s.cut.seriesRemoved
            out.oooSamples = s.ooo.samples
            out.oooChunks = s.ooo.chunks
            out.oooSamplesAppended = s.ooo.appended
            out.oooReplayedSamples = s.ooo.replayed
            out.wblBytesWritten = s.wbl.map { Int($0.bytesWritten) } ?? 0
            return out
        }
    }

    /// Flushes the WAL to disk (fsync) and closes it. Later appends throw `HeadError.closed`;
    /// queries keep answering from memory. Closing twice is a no-op.
    public func close() throws(HeadError) {
        try state.withLock { (s: inout HeadState) throws(HeadError) in
            guard let wal = s.wal else { return }
            s.wal = nil
            let wbl = s.wbl
            s.wbl = nil
            do {
                try wal.sync()
                try wal.close()
            } catch {
                throw .wal("closing the WAL in \(walDirectory) failed: \(error)")
            }
            do {
                try wbl?.sync()
                try wbl?.close()
            } catch {
                throw .wal("closing the WBL in \(wblDirectory) failed: \(error)")
            }
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
