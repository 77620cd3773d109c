import Logging
import StrataChunks
import StrataModel

extension Head {
    /// Rebuilds `s` from the latest checkpoint and the WAL segments after it.
    ///
    /// Series records recreate series under their original refs; samples records append to them
    /// (samples of unknown refs are counted and skipped, samples not newer than their series are
    /// skipped as the original append would have refused them); seriesChunks records (checkpoints)
    /// restore chunks, the last one resumed as the open chunk. Samples and chunks older than
    /// `options.minValidTime` are already in a block and dropped; series left without samples
    /// are removed at the end.
    static func replay(into s: inout HeadState, walDirectory: String, wblDirectory: String, options: HeadOptions,
                       logger: Logger) throws(HeadError) {
        var replayer = Replayer(chunkRange: options.chunkRange, samplesPerChunk: options.samplesPerChunk, minValidTime: options.minValidTime)
        var firstSegment = 0
        let latest: (index: Int, path: String)?
        let segments: [Int]
        do {
            try FileIO.makeDirectories(walDirectory)
            latest = try Checkpoint.latest(in: walDirectory)
            segments = try WAL.segments(in: walDirectory)
        } catch {
            throw .wal("reading the WAL directory \(walDirectory) failed: \(error)")
        }
        if let checkpoint = latest {
            s.replay.checkpointIndex = checkpoint.index
            firstSegment = checkpoint.index + 1
            do {
                // A checkpoint is complete by construction: damage there is not a torn tail to cut.
                let stats = try WALReader.replay(directory: checkpoint.path, from: 0, through: nil, repair: false,
                                                 logger: logger) { record in
                    try replayer.apply(record, to: &s)
                }
                if stats.repaired { s.replay.repairs += 1 }
            } catch let error as HeadError {
                throw error
            } catch {
                throw .corrupt("replaying checkpoint \(checkpoint.path) failed: \(error)")
            }
        }
        if segments.contains(where: { $0 >= firstSegment }) {
            do {
                let stats = try WALReader.replay(directory: walDirectory, from: firstSegment, through: nil, repair: true,
                                                 logger: logger) { record in
                    try replayer.apply(record, to: &s)
                }
                if stats.repaired { s.replay.repairs += 1 }
            } catch let error as HeadError {
                throw error
            } catch {
                throw .wal("replaying the WAL in \(walDirectory) failed: \(error)")
            }
        }
        // Out-of-order samples after the WAL: their series are defined there.
        try replayWBL(into: &s, wblDirectory: wblDirectory, capacity: options.outOfOrderCapacity, logger: logger)
        // A chunk straddling the bound keeps its newer part; series whose samples were all cut
        // (or that never got one) go. Out-of-order samples are kept whatever their age: they may
        // legitimately lie before the bound, in a range cut earlier (see docs/tsdb-head.md).
        s.truncate(before: options.minValidTime)
        s.replay.records = replayer.records
        s.replay.samples = replayer.samples
        s.replay.unknownRefSamples = replayer.unknownRefSamples
        s.replay.belowMinValidTime = replayer.belowMinValidTime
        if replayer.belowMinValidTime > 0 {
            logger.info("WAL replay dropped samples already cut into blocks", metadata: [
                "samples": "\(replayer.belowMinValidTime)", "min_valid_time": "\(options.minValidTime)",
            ])
        }
        if replayer.unknownSchemaHistograms > 0 {
            logger.warning("WAL replay skipped native histograms of an unknown schema",
                           metadata: ["samples": "\(replayer.unknownSchemaHistograms)"])
        }
        if replayer.unknownRefSamples > 0 {
            logger.warning("WAL replay skipped samples of unknown series",
                           metadata: ["samples": "\(replayer.unknownRefSamples)"])
        }
    }
}

/// Applies decoded WAL and checkpoint records to a head state, reusing decode buffers.
struct Replayer {
    let chunkRange: Int64
    let samplesPerChunk: Int
    /// Samples before it are in a block already.
    let minValidTime: Int64
    var records = 0
    var samples = 0
    var unknownRefSamples = 0
    var belowMinValidTime = 0
    private var seriesBuffer: [RefSeries] = []
    private var samplesBuffer: [RefSample] = []
    private var chunksBuffer: [RefChunks] = []
    private var histogramsBuffer: [RefHistogramSample] = []
    /// Histograms of a schema Strata does not know, skipped (as Prometheus does).
    var unknownSchemaHistograms = 0
    /// Refs a WAL gave to labels that already had another ref (never written by Strata; kept so
    /// a WAL from elsewhere still replays into one series per label set).
    private var aliases: [UInt64: UInt64] = [:]

    init(chunkRange: Int64, samplesPerChunk: Int, minValidTime: Int64 = .min) {
        self.chunkRange = chunkRange
        self.samplesPerChunk = samplesPerChunk
        self.minValidTime = minValidTime
    }

    mutating func apply(_ record: UnsafeRawBufferPointer, to s: inout HeadState) throws(HeadError) {
        records += 1
        do {
            switch RecordDecoder.type(of: record) {
            case .series:
                seriesBuffer.removeAll(keepingCapacity: true)
                try RecordDecoder.series(record, into: &seriesBuffer)
                for rs in seriesBuffer { createSeries(rs, in: &s) }
            case .samples:
                samplesBuffer.removeAll(keepingCapacity: true)
                try RecordDecoder.samples(record, into: &samplesBuffer)
                for sample in samplesBuffer {
                    guard let series = s.series(ref: resolve(sample.ref)) else {
                        unknownRefSamples += 1
                        continue
                    }
                    guard sample.timestamp >= minValidTime else {
                        belowMinValidTime += 1
                        continue
                    }
                    guard sample.timestamp > series.lastTimestamp else { continue }
                    s.apply(series, timestamp: sample.timestamp, value: sample.value, chunkRange: chunkRange,
                            samplesPerChunk: samplesPerChunk)
                    samples += 1
                }
            case .histogramSamples, .floatHistogramSamples, .customBucketsHistogramSamples,
                 .customBucketsFloatHistogramSamples:
                histogramsBuffer.removeAll(keepingCapacity: true)
                try RecordDecoder.histogramSamples(record, into: &histogramsBuffer, skipped: &unknownSchemaHistograms)
                for sample in histogramsBuffer {
                    guard let series = s.series(ref: resolve(sample.ref)) else {
                        unknownRefSamples += 1
                        continue
                    }
                    guard sample.timestamp >= minValidTime else {
                        belowMinValidTime += 1
                        continue
                    }
                    guard sample.timestamp > series.lastTimestamp else { continue }
                    s.applyHistogram(series, timestamp: sample.timestamp, value: sample.value, chunkRange: chunkRange,
                                     samplesPerChunk: samplesPerChunk)
                    samples += 1
                }
            case .seriesChunks:
                chunksBuffer.removeAll(keepingCapacity: true)
                try RecordDecoder.seriesChunks(record, into: &chunksBuffer)
                for rc in chunksBuffer {
                    try restoreChunks(rc, in: &s)
                }
            case .oooSeriesChunks:
                chunksBuffer.removeAll(keepingCapacity: true)
                try RecordDecoder.seriesChunks(record, into: &chunksBuffer, type: .oooSeriesChunks)
                for rc in chunksBuffer {
                    guard let series = s.series(ref: resolve(rc.ref)) else { continue }
                    s.restoreOOO(series, chunks: rc.chunks)
                }
            case nil:
                // A record type from a newer Strata: skipping it loses only what it describes.
                break
            }
        } catch let error as RecordError {
            throw .corrupt("record \(records): \(error)")
        } catch let error as HeadError {
            throw error
        } catch {
            throw .corrupt("record \(records): \(error)")
        }
    }

    private func resolve(_ ref: UInt64) -> UInt64 { aliases[ref] ?? ref }

    private mutating func createSeries(_ rs: RefSeries, in s: inout HeadState) {
        if s.series(ref: rs.ref) != nil { return }
        let fullHash = rs.labels.stableHash
        let hash = fullHash & s.hashMask
        if let existing = s.series(hash: hash, labels: rs.labels) {
            aliases[rs.ref] = existing.ref
            return
        }
        s.register(MemSeries(ref: rs.ref, labels: s.symbols.intern(rs.labels), shardHash: fullHash), hash: hash)
    }

    private mutating func restoreChunks(_ rc: RefChunks, in s: inout HeadState) throws(HeadError) {
        guard let series = s.series(ref: resolve(rc.ref)) else { return }
        // Chunks are in time order: those wholly before the bound are a prefix, dropped unread.
        var kept = rc.chunks[...]
        while let first = kept.first, first.maxTime < minValidTime {
            if first.data.count >= 2 { belowMinValidTime += Int(first.data[0]) << 8 | Int(first.data[1]) }
            kept = kept.dropFirst()
        }
        guard let last = kept.last else { return }
        let before = series.chunkCount
        do {
            try series.restore(chunks: Array(kept), chunkRange: chunkRange)
        } catch {
            throw .corrupt("chunks of series ref \(rc.ref): \(error)")
        }
        s.numChunks += series.chunkCount - before
        if let first = kept.first, first.minTime < s.minTime { s.minTime = first.minTime }
        if last.maxTime > s.maxTime { s.maxTime = last.maxTime }
    }
}
