import StrataChunks
import StrataModel

extension Head {
    /// Appends every series and sample of `batch`.
    ///
    /// The labels of each series must be sorted by name and valid (the distributor checked).
    /// Samples are refused one by one as Prometheus does with out-of-order ingestion disabled:
    /// older than the series' newest sample (out of order), same timestamp with other value bits
    /// (duplicate), older than the head's newest sample minus half the block range (too old); an
    /// exact repeat of the newest sample is a no-op. A new series over a series limit is refused
    /// with all its samples. Native histograms (`batch.histograms(of:)`) follow the same rules
    /// after the entry's floats, are never taken out of order, and are logged in Prometheus's
    /// histogram records (see `Head+AppendHistogram.swift`).
    ///
    /// Durability: returns only after the WAL records of everything accepted (new series first,
    /// then samples) were written with one write(2); memory is updated after that write, under the
    /// same lock, so WAL order equals memory order. Throws only when the WAL write fails, and then
    /// nothing of this call is applied.
    ///
    /// With `limits.outOfOrderTimeWindow` > 0, samples the rules above refuse as out of order or
    /// too old are stored in the series' out-of-order head when within the window (see
    /// `BatchValidator.checkOOO` and docs/tsdb-head.md); they are logged in the WBL right after the
    /// WAL write. If that WBL write fails the call throws and memory is not updated, but the WAL
    /// records already written reappear after a restart (the client retries the same samples).
    public func append(_ batch: SeriesBatch, limits: SeriesLimits) throws(HeadError) -> AppendOutcome {
        let chunkRange = options.chunkRange
        let samplesPerChunk = options.samplesPerChunk
        // Label hashing reads only the batch: done before taking the lock that every other
        // append of the tenant waits for.
        var hashes = ContiguousArray<UInt64>(repeating: 0, count: batch.series.count)
        for index in batch.series.indices {
            let entry = batch.series[index]
            if entry.sampleCount != 0 || entry.histogramCount != 0 { hashes[index] = batch.stableHash(of: index) }
        }
        return try state.withLock { (s: inout HeadState) throws(HeadError) -> AppendOutcome in
            guard let wal = s.wal else { throw .closed }
            s.epoch &+= 1
            let window = Self.minValidTime(headMaxTime: s.maxTime, chunkRange: chunkRange)
            var validator = BatchValidator(epoch: s.epoch, minValidTime: Swift.max(window, s.minValidTime),
                                           cutMinValidTime: s.minValidTime,
                                           ooo: s.oooCheck(window: limits.outOfOrderTimeWindow))
            s.scratch.reset()
            defer { s.scratch.reset() }

            for index in batch.series.indices {
                let entry = batch.series[index]
                if entry.sampleCount == 0 && entry.histogramCount == 0 { continue }
                let hash = hashes[index] & s.hashMask
                if let series = s.series(hash: hash, batch: batch, index: index)
                    ?? validator.pendingSeries(hash: hash, batch: batch, index: index) {
                    validator.check(batch: batch, index: index, series: series, scratch: &s.scratch)
                    continue
                }
                // A new series: created only when at least one of its samples is acceptable (so a
                // batch of too-old samples creates nothing), refused as a whole at a limit.
                if validator.acceptableCount(batch: batch, index: index) == 0 {
                    validator.check(batch: batch, index: index, series: nil, scratch: &s.scratch)
                    continue
                }
                let labels = s.symbols.intern(batch.labels(of: index))
                // A sender that broke the sorted-labels contract hashes differently from the
                // sorted labels stored; find its series by the sorted labels rather than create a
                // second series with the same labels.
                let fullHash = labels.stableHash
                let sortedHash = fullHash & s.hashMask
                if sortedHash != hash, let series = s.series(hash: sortedHash, labels: labels)
                    ?? validator.pendingSeries(hash: sortedHash, labels: labels) {
                    validator.check(batch: batch, index: index, series: series, scratch: &s.scratch)
                    continue
                }
                if let refusal = validator.limitRefusal(labels: labels, limits: limits, state: s) {
                    validator.check(batch: batch, index: index, series: nil, scratch: &s.scratch,
                                    refuseAcceptedAs: refusal, labels: labels)
                    continue
                }
                let series = MemSeries(ref: s.nextRef + UInt64(s.scratch.newSeries.count), labels: labels, shardHash: fullHash)
                validator.addPending(series, hash: sortedHash)
                s.scratch.newSeries.append(series)
                s.scratch.newHashes.append(sortedHash)
                validator.check(batch: batch, index: index, series: series, scratch: &s.scratch)
            }

            if !s.scratch.samples.isEmpty || !s.scratch.oooSamples.isEmpty || !s.scratch.histograms.isEmpty {
                try Self.writeWAL(wal, scratch: &s.scratch)
            }
            if !s.scratch.oooSamples.isEmpty {
                // After the WAL, which holds the definitions of the series created by this call.
                guard let wbl = s.wbl else { throw .closed }
                try Self.writeWBL(wbl, scratch: &s.scratch)
            }

            for (series, hash) in zip(s.scratch.newSeries, s.scratch.newHashes) {
                s.register(series, hash: hash)
                s.seriesCreated += 1
                validator.outcome.seriesCreated += 1
            }
            for (i, sample) in s.scratch.samples.enumerated() {
                s.apply(s.scratch.targets[i], timestamp: sample.timestamp, value: sample.value, chunkRange: chunkRange,
                        samplesPerChunk: samplesPerChunk)
            }
            s.samplesAppended += s.scratch.samples.count
            validator.outcome.appended = s.scratch.samples.count
            if !s.scratch.histograms.isEmpty || !s.scratch.laterSamples.isEmpty {
                // Histograms, and floats of the later batches, in WAL order.
                let n = s.applyHistogramBatches(chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
                s.samplesAppended += n
                validator.outcome.appended += n
                validator.outcome.appendedHistograms = s.scratch.histograms.count
            }
            if !s.scratch.oooSamples.isEmpty {
                for (i, sample) in s.scratch.oooSamples.enumerated() {
                    s.applyOOO(s.scratch.oooTargets[i], timestamp: sample.timestamp, value: sample.value,
                               capacity: options.outOfOrderCapacity)
                }
                s.samplesAppended += s.scratch.oooSamples.count
                s.ooo.appended += s.scratch.oooSamples.count
                validator.outcome.appended += s.scratch.oooSamples.count
            }
            return validator.outcome
        }
    }

    /// The oldest timestamp an append may carry: the head's newest sample minus half a block
    /// range (Prometheus's appendable window); anything goes while the head is empty.
    static func minValidTime(headMaxTime: Int64, chunkRange: Int64) -> Int64 {
        guard headMaxTime != .min else { return .min }
        let (t, overflow) = headMaxTime.subtractingReportingOverflow(chunkRange / 2)
        return overflow ? .min : t
    }

    /// Encodes the series record (when series are new) and the samples record, and writes both
    /// with one WAL call.
    static func writeWAL(_ wal: WAL, scratch: inout AppendScratch) throws(HeadError) {
        var records: [[UInt8]] = []
        records.reserveCapacity(2)
        if !scratch.newSeries.isEmpty {
            scratch.seriesRecord.removeAll(keepingCapacity: true)
            RecordEncoder.series(scratch.newSeries.lazy.map { RefSeries(ref: $0.ref, labels: $0.labels) },
                                 into: &scratch.seriesRecord)
            records.append(scratch.seriesRecord)
        }
        if !scratch.samples.isEmpty {
            scratch.samplesRecord.removeAll(keepingCapacity: true)
            RecordEncoder.samples(scratch.samples, into: &scratch.samplesRecord)
            records.append(scratch.samplesRecord)
        }
        if !scratch.histograms.isEmpty || !scratch.laterSamples.isEmpty {
            scratch.histogramBatchRecords(into: &records)
        }
        do {
            try wal.log(records)
        } catch {
            throw .wal("writing \(scratch.samples.count + scratch.laterSamples.count + scratch.histograms.count) samples to the WAL failed: \(error)")
        }
    }
}

/// The per-call validation state of one append.
struct BatchValidator {
    let epoch: UInt64
    /// The oldest acceptable timestamp: the later of the appendable window and `cutMinValidTime`.
    let minValidTime: Int64
    /// The head's `minValidTime` (end of the data cut into blocks), named in refusals below it.
    let cutMinValidTime: Int64
    var outcome = AppendOutcome()
    /// Series created earlier in this batch, by hash (empty, hence not allocated, in the common
    /// case of a batch of known series).
    private var pending: [UInt64: [MemSeries]] = [:]
    /// Series per metric name created earlier in this batch.
    private var pendingPerMetric: [String: Int] = [:]
    private var pendingCount = 0
    /// Out-of-order ingestion for this call; nil when the tenant's window is 0.
    var ooo: OOOCheck?

    init(epoch: UInt64, minValidTime: Int64, cutMinValidTime: Int64 = .min, ooo: OOOCheck? = nil) {
        self.epoch = epoch
        self.minValidTime = minValidTime
        self.cutMinValidTime = cutMinValidTime
        self.ooo = ooo
    }

    func pendingSeries(hash: UInt64, batch: SeriesBatch, index: Int) -> MemSeries? {
        guard !pending.isEmpty, let list = pending[hash] else { return nil }
        for s in list where labelsEqual(s.labels, batch: batch, index: index) { return s }
        return nil
    }

    func pendingSeries(hash: UInt64, labels: Labels) -> MemSeries? {
        guard !pending.isEmpty, let list = pending[hash] else { return nil }
        for s in list where s.labels == labels { return s }
        return nil
    }

    mutating func addPending(_ s: MemSeries, hash: UInt64) {
        pending[hash, default: []].append(s)
        pendingCount += 1
        if let name = s.labels.metricName { pendingPerMetric[name, default: 0] += 1 }
    }

    /// The limit a new series with `labels` would exceed, if any.
    func limitRefusal(labels: Labels, limits: SeriesLimits, state: HeadState) -> (ErrorID, String)? {
        if limits.maxSeriesPerUser > 0, state.numSeries + pendingCount >= limits.maxSeriesPerUser {
            return (.maxSeriesPerUser, HeadMessages.maxSeriesPerUser(limit: limits.configuredMaxSeriesPerUser))
        }
        if limits.maxSeriesPerMetric > 0, let name = labels.metricName {
            let existing = state.seriesPerMetric[name] ?? 0
            if existing + (pendingPerMetric[name] ?? 0) >= limits.maxSeriesPerMetric {
                return (.maxSeriesPerMetric, HeadMessages.maxSeriesPerMetric(limit: limits.configuredMaxSeriesPerMetric, labels: labels))
            }
        }
        return nil
    }

    /// How many samples of a series that does not exist yet would be accepted.
    func acceptableCount(batch: SeriesBatch, index: Int) -> Int {
        if let ooo {
            // Any sample within the window is stored, in order or not.
            let oldest = Swift.min(minValidTime, ooo.minTime)
            let floats = batch.samples(of: index).reduce(0) { $0 + ($1.timestamp >= oldest ? 1 : 0) }
            return floats + acceptableHistogramCount(batch: batch, index: index, after: .min)
        }
        var last = Int64.min
        var n = 0
        for sample in batch.samples(of: index) where sample.timestamp >= minValidTime && sample.timestamp > last {
            last = sample.timestamp
            n += 1
        }
        return n + acceptableHistogramCount(batch: batch, index: index, after: last)
    }

    /// Validates the samples of entry `index` against `series` (nil: a series that will not be
    /// created), queueing the accepted ones in `scratch` and counting the refused ones. With
    /// `refuseAcceptedAs`, samples that would be accepted are refused for that reason instead.
    mutating func check(batch: SeriesBatch, index: Int, series: MemSeries?, scratch: inout AppendScratch,
                        refuseAcceptedAs refusal: (ErrorID, String)? = nil, labels: Labels? = nil) {
        var lastT = Int64.min
        var lastBits: UInt64 = 0
        // The pending newest sample when it is a histogram (nil: a float, or none). The float loop
        // below tracks only whether it is one: the histogram itself is read and written once per
        // entry, not per float sample (per-sample copies of an optional histogram showed in
        // profiles of float-only ingestion, inside the head's critical section).
        var lastHistogram: HistogramValue?
        var lastIsHistogram = false
        // Where this entry's accepted in-order samples start in `scratch.samples`, and whether the
        // series already appeared earlier in the batch (for the out-of-order duplicate check).
        let entryStart = scratch.samples.count
        var repeated = false
        if let series {
            repeated = series.scratchEpoch == epoch
            if series.scratchEpoch != epoch {
                series.scratchEpoch = epoch
                series.scratchTimestamp = series.lastTimestamp
                series.scratchValueBits = series.lastValueBits
                if let h = series.hist { h.scratchLast = h.last }
            }
            lastT = series.scratchTimestamp
            lastBits = series.scratchValueBits
            if let h = series.hist {
                lastHistogram = h.scratchLast
                lastIsHistogram = lastHistogram != nil
            }
        }
        // A series without histograms in a batch that has not switched kinds yet: its floats go
        // straight to the first WAL record (the common case, decided once per entry).
        let direct = series?.hist == nil && scratch.batch == 0
        for sample in batch.samples(of: index) {
            let t = sample.timestamp
            let bits = sample.value.bitPattern
            if t < minValidTime {
                if ooo != nil {
                    checkOOO(t, sample.value, batch, index, series, labels, refusal, &scratch, entryStart, repeated)
                } else {
                    reject(.sampleTimestampTooOld, t, batch, index, series, labels)
                }
            } else if t < lastT {
                if ooo != nil {
                    checkOOO(t, sample.value, batch, index, series, labels, refusal, &scratch, entryStart, repeated)
                } else {
                    reject(.sampleOutOfOrder, t, batch, index, series, labels)
                }
            } else if t == lastT {
                if bits == lastBits && !lastIsHistogram {
                    outcome.duplicatesIgnored += 1
                } else {
                    reject(.sampleDuplicateTimestamp, t, batch, index, series, labels)
                }
            } else if let refusal {
                outcome.rejected[refusal.0, default: 0] += 1
                if outcome.firstRejection == nil {
                    outcome.firstRejection = AppendRejection(id: refusal.0, message: refusal.1)
                }
                lastT = t
                lastBits = bits
                lastIsHistogram = false
            } else {
                lastT = t
                lastBits = bits
                lastIsHistogram = false
                if let series {
                    if direct {
                        scratch.samples.append(RefSample(ref: series.ref, timestamp: t, value: sample.value))
                        scratch.targets.append(series)
                    } else {
                        scratch.queueFloat(RefSample(ref: series.ref, timestamp: t, value: sample.value), series: series, epoch: epoch)
                    }
                }
            }
        }
        if !lastIsHistogram && lastHistogram != nil { lastHistogram = nil }
        if batch.series[index].histogramCount > 0 {
            checkHistograms(batch: batch, index: index, series: series, scratch: &scratch, refuseAcceptedAs: refusal,
                            labels: labels, lastT: &lastT, lastBits: &lastBits, lastHistogram: &lastHistogram)
        }
        if let series {
            series.scratchTimestamp = lastT
            series.scratchValueBits = lastBits
            if lastHistogram != nil || series.hist != nil { series.histogramState.scratchLast = lastHistogram }
        }
    }

    mutating func reject(_ id: ErrorID, _ t: Int64, _ batch: SeriesBatch, _ index: Int,
                                 _ series: MemSeries?, _ labels: Labels?) {
        outcome.rejected[id, default: 0] += 1
        guard outcome.firstRejection == nil else { return }
        let seriesLabels = series?.labels ?? labels ?? batch.labels(of: index)
        let message: String
        if id == .sampleTimestampTooOld && t < cutMinValidTime {
            message = HeadMessages.belowMinValidTime(timestamp: t, minValidTime: cutMinValidTime, labels: seriesLabels)
        } else if id == .sampleTooOld, let ooo {
            message = HeadMessages.tooOld(timestamp: t, window: ooo.window, labels: seriesLabels)
        } else {
            message = HeadMessages.sample(id, timestamp: t, labels: seriesLabels)
        }
        outcome.firstRejection = AppendRejection(id: id, message: message)
    }
}
