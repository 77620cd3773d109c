import StrataChunks
import StrataModel

// Native histograms in `Head.append`.
//
// A batch entry's histograms are validated after its floats, sharing the series' pending newest
// sample, with the in-order rules of floats: older than the series' newest sample is out of order,
// older than the appendable window too old, an identical repeat of the newest sample is ignored and
// any other sample at its timestamp is a duplicate. Out-of-order histograms are refused even when
// the tenant has an out-of-order window (as Prometheus without `out_of_order_native_histograms`);
// the window stays float-only.
//
// WAL order. Prometheus logs an append as records by kind — floats (type 2), integer histograms
// (7), custom-bucket integer histograms (9), float histograms (8), custom-bucket float histograms
// (10) — and replays them in that order. A series whose samples within one call go from a kind to
// one logged earlier (a histogram, then a float) would replay in the wrong order, so, as
// Prometheus's head appender does, the call is split into batches there: each batch is logged as
// its records in that order, and applied to memory in the same order after the single write(2).

/// A series' per-call kind bookkeeping for the WAL batches (see above).
extension HistogramSeriesState {
    /// The rank of each sample kind in a batch's record order.
    static func rank(_ type: RecordType) -> Int {
        switch type {
        case .histogramSamples: return 1
        case .customBucketsHistogramSamples: return 2
        case .floatHistogramSamples: return 3
        case .customBucketsFloatHistogramSamples: return 4
        default: return 0
        }
    }
}

extension AppendScratch {
    /// Queues an accepted float of a series that holds (or held) histograms, or of a call past
    /// its first batch.
    mutating func queueFloat(_ sample: RefSample, series: MemSeries, epoch: UInt64) {
        if let h = series.hist {
            if h.kindEpoch == epoch && h.kindBatch == batch && h.maxRank > 0 { batch += 1 }
            h.kindEpoch = epoch
            h.kindBatch = batch
            h.maxRank = 0
        }
        if batch == 0 {
            samples.append(sample)
            targets.append(series)
        } else {
            laterSamples.append(sample)
            laterTargets.append(series)
            laterBatch.append(batch)
        }
    }

    /// Queues an accepted histogram.
    mutating func queueHistogram(_ sample: RefHistogramSample, series: MemSeries, epoch: UInt64) {
        let h = series.histogramState
        let rank = HistogramSeriesState.rank(sample.recordType)
        if h.kindEpoch == epoch && h.kindBatch == batch {
            if h.maxRank > rank {
                batch += 1
                h.maxRank = rank
            } else {
                h.maxRank = Swift.max(h.maxRank, rank)
            }
        } else {
            h.maxRank = rank
        }
        h.kindEpoch = epoch
        h.kindBatch = batch
        histograms.append(sample)
        histogramTargets.append(series)
        histogramBatch.append(batch)
    }

    /// The record order of histogram kinds within a batch.
    static let histogramRecordOrder: [RecordType] = [
        .histogramSamples, .customBucketsHistogramSamples, .floatHistogramSamples, .customBucketsFloatHistogramSamples,
    ]

    /// Appends the records after batch 0's float samples record: batch 0's histogram records,
    /// then for each later batch its float samples record and histogram records.
    func histogramBatchRecords(into records: inout [[UInt8]]) {
        var h = 0, f = 0
        for b in 0...batch {
            if b > 0 {
                let start = f
                while f < laterSamples.count && laterBatch[f] == b { f += 1 }
                if f > start {
                    var record: [UInt8] = []
                    RecordEncoder.samples(laterSamples[start..<f], into: &record)
                    records.append(record)
                }
            }
            let start = h
            while h < histograms.count && histogramBatch[h] == b { h += 1 }
            guard h > start else { continue }
            let run = histograms[start..<h]
            for type in Self.histogramRecordOrder where run.contains(where: { $0.recordType == type }) {
                var record: [UInt8] = []
                RecordEncoder.histogramSamples(run, type: type, into: &record)
                records.append(record)
            }
        }
    }
}

extension HeadState {
    /// Applies batch 0's histograms and every later batch (floats, then histograms by record
    /// type), in the order `histogramBatchRecords` logged them. Returns the samples applied.
    mutating func applyHistogramBatches(chunkRange: Int64, samplesPerChunk: Int) -> Int {
        let histograms = scratch.histograms
        let histogramTargets = scratch.histogramTargets
        let histogramBatch = scratch.histogramBatch
        let later = scratch.laterSamples
        let laterTargets = scratch.laterTargets
        let laterBatch = scratch.laterBatch
        var h = 0, f = 0
        for b in 0...scratch.batch {
            if b > 0 {
                while f < later.count && laterBatch[f] == b {
                    apply(laterTargets[f], timestamp: later[f].timestamp, value: later[f].value, chunkRange: chunkRange,
                          samplesPerChunk: samplesPerChunk)
                    f += 1
                }
            }
            let start = h
            while h < histograms.count && histogramBatch[h] == b { h += 1 }
            guard h > start else { continue }
            for type in AppendScratch.histogramRecordOrder {
                for i in start..<h where histograms[i].recordType == type {
                    applyHistogram(histogramTargets[i], timestamp: histograms[i].timestamp, value: histograms[i].value,
                                   chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
                }
            }
        }
        return histograms.count + later.count
    }
}

extension BatchValidator {
    /// How many histograms of a series that does not exist yet would be accepted, after its
    /// floats (the newest accepted at `after`).
    func acceptableHistogramCount(batch: SeriesBatch, index: Int, after: Int64) -> Int {
        guard batch.series[index].histogramCount > 0 else { return 0 }
        var last = after
        var n = 0
        for point in batch.histograms(of: index)
        where point.timestamp >= minValidTime && point.timestamp > last && HistogramCheck.problem(point.value) == nil {
            last = point.timestamp
            n += 1
        }
        return n
    }

    /// Validates the histograms of entry `index` after its floats (see `check`), continuing from
    /// the pending newest sample in `lastT` / `lastBits` / `lastHistogram`.
    mutating func checkHistograms(batch: SeriesBatch, index: Int, series: MemSeries?, scratch: inout AppendScratch,
                                  refuseAcceptedAs refusal: (ErrorID, String)?, labels: Labels?,
                                  lastT: inout Int64, lastBits: inout UInt64, lastHistogram: inout HistogramValue?) {
        for point in batch.histograms(of: index) {
            let t = point.timestamp
            if let problem = HistogramCheck.problem(point.value) {
                rejectHistogram(problem, t, batch, index, series, labels)
            } else if t < minValidTime {
                reject(.sampleTimestampTooOld, t, batch, index, series, labels)
            } else if t < lastT {
                reject(.sampleOutOfOrder, t, batch, index, series, labels)
            } else if t == lastT {
                if let last = lastHistogram, point.value.isDuplicate(of: last) {
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
                lastBits = point.value.sumBits
                lastHistogram = point.value
            } else {
                lastT = t
                lastBits = point.value.sumBits
                lastHistogram = point.value
                if let series {
                    scratch.queueHistogram(RefHistogramSample(ref: series.ref, timestamp: t, value: point.value),
                                           series: series, epoch: epoch)
                }
            }
        }
    }

    private mutating func rejectHistogram(_ problem: String, _ t: Int64, _ batch: SeriesBatch, _ index: Int,
                                          _ series: MemSeries?, _ labels: Labels?) {
        outcome.rejected[.nativeHistogramInvalid, default: 0] += 1
        guard outcome.firstRejection == nil else { return }
        let seriesLabels = series?.labels ?? labels ?? batch.labels(of: index)
        outcome.firstRejection = AppendRejection(
            id: .nativeHistogramInvalid,
            message: HeadMessages.invalidHistogram(problem, timestamp: t, labels: seriesLabels))
    }
}

/// The structural checks a histogram must pass before the head logs it: what the chunk encoders
/// need to store it (they would refuse it after the WAL write otherwise).
enum HistogramCheck {
    /// Why `value` cannot be stored, or nil when it can. Stale markers always can.
    static func problem(_ value: HistogramValue) -> String? {
        switch value {
        case .integer(let h):
            if h.isStale { return nil }
            return problem(schema: h.schema, positiveSpans: h.positiveSpans, positiveCount: h.positiveBuckets.count,
                           negativeSpans: h.negativeSpans, negativeCount: h.negativeBuckets.count,
                           customValues: h.customValues)
        case .float(let h):
            if h.isStale { return nil }
            return problem(schema: h.schema, positiveSpans: h.positiveSpans, positiveCount: h.positiveBuckets.count,
                           negativeSpans: h.negativeSpans, negativeCount: h.negativeBuckets.count,
                           customValues: h.customValues)
        }
    }

    private static func problem(schema: Int32, positiveSpans: [HistogramSpan], positiveCount: Int,
                                negativeSpans: [HistogramSpan], negativeCount: Int, customValues: [Double]) -> String? {
        let custom = HistogramSchema.isCustom(schema)
        guard custom || (HistogramSchema.minExponential...HistogramSchema.maxExponential).contains(schema) else {
            return "schema \(schema) is neither exponential (-4…8) nor custom buckets (-53)"
        }
        if let p = spans(positiveSpans, count: positiveCount, "positive") { return p }
        if let p = spans(negativeSpans, count: negativeCount, "negative") { return p }
        if custom {
            if !negativeSpans.isEmpty || negativeCount > 0 { return "custom-bucket histograms have no negative buckets" }
            for i in customValues.indices.dropFirst() where !(customValues[i - 1] < customValues[i]) {
                return "custom bucket bounds are not strictly increasing at index \(i)"
            }
        }
        return nil
    }

    private static func spans(_ spans: [HistogramSpan], count: Int, _ side: String) -> String? {
        let covered = spans.reduce(0) { $0 + Int($1.length) }
        if covered != count {
            return "\(side) spans cover \(covered) buckets but \(count) bucket counts were given"
        }
        if spans.dropFirst().contains(where: { $0.offset < 0 }) {
            return "a \(side) span after the first has a negative offset"
        }
        return nil
    }
}

extension HeadMessages {
    /// A malformed native histogram.
    static func invalidHistogram(_ problem: String, timestamp: Int64, labels: Labels) -> String {
        "the native histogram has been rejected because it is invalid: \(problem) (\(ErrorID.nativeHistogramInvalid.id)). The affected sample has timestamp \(formatRFC3339(milliseconds: timestamp)) and is from series \(formatLabels(labels))"
    }
}
