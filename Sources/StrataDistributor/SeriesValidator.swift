import StrataLimits
import StrataModel

/// What validation made of one batch.
struct ValidationOutcome: Sendable {
    /// The batch to forward: the input itself when everything was valid (no copy), otherwise
    /// only the valid series and samples.
    var batch: SeriesBatch
    /// Samples (float + histogram) refused, in total.
    var rejectedSamples = 0
    /// Samples refused per reason, for `strata_discarded_samples_total`.
    var rejectedByID: [ErrorID: Int] = [:]
    /// The first refusal in request order; its message is the one the client sees.
    var firstError: ValidationError?
    /// Samples (float + histogram) that passed.
    var validSamples = 0
    /// Exemplars attached to series that passed.
    var validExemplars = 0
    /// Native histogram samples that passed (included in `validSamples`).
    var validHistograms = 0
}

/// Mimir's per-series and per-sample validation, run on the batch's bytes.
///
/// Labels are checked as byte ranges of the request buffer: no `String` is built unless a
/// message needs one, so validating a valid request allocates nothing per label. An invalid
/// series is dropped whole; a sample outside the time window is dropped alone, and so is a
/// native histogram that `HistogramValidator` refuses (one over the bucket limit may instead be
/// stored at a lower resolution).
struct SeriesValidator {
    let limits: Limits
    /// The distributor's clock, in ms since the epoch.
    let now: Int64

    private static let metricNameBytes: [UInt8] = Array(metricNameLabel.utf8)

    func validate(_ batch: SeriesBatch) -> ValidationOutcome {
        var outcome = ValidationOutcome(batch: batch)
        let maxTimestamp = now.addingSaturating(Self.milliseconds(limits.creationGracePeriod))
        let minTimestamp = limits.pastGracePeriod > .zero
            ? now.addingSaturating(-Self.milliseconds(limits.pastGracePeriod)) : Int64.min

        var keep: [Int] = []
        keep.reserveCapacity(batch.series.count)
        // Per kept series, the samples to keep when some of its samples were dropped.
        var trimmed: [Int: ContiguousArray<Sample>] = [:]
        // Per kept series, the histograms to keep when some were dropped or reduced.
        var trimmedHistograms: [Int: ContiguousArray<HistogramPoint>] = [:]
        let histogramValidator = HistogramValidator(limits: limits)

        batch.buffer.withUnsafeBytes { raw in
            for index in batch.series.indices {
                let entry = batch.series[index]
                let seriesSamples = Int(entry.sampleCount) + Int(entry.histogramCount)
                // Ranges come from the decoder; one outside the request means a corrupt batch, which
                // is refused rather than trusted (slicing out of range would crash the process).
                if Int(entry.sampleStart) + Int(entry.sampleCount) > batch.samples.count
                    || Int(entry.histogramStart) + Int(entry.histogramCount) > batch.histograms.count
                    || !labelRangesValid(batch, index, raw) {
                    reject(&outcome, .corruptSeries(), count: seriesSamples)
                    continue
                }
                if let error = validateLabels(batch, index, raw) {
                    reject(&outcome, error, count: seriesSamples)
                    continue
                }
                var kept: ContiguousArray<Sample>? = nil
                let samples = batch.samples(of: index)
                for (offset, sample) in zip(0..., samples) {
                    let error: ValidationError?
                    if sample.timestamp > maxTimestamp {
                        error = .tooFarInFuture(timestamp: sample.timestamp, metric: metricName(batch, index, raw))
                    } else if sample.timestamp < minTimestamp {
                        error = .tooFarInPast(timestamp: sample.timestamp, metric: metricName(batch, index, raw))
                    } else {
                        error = nil
                    }
                    if let error {
                        reject(&outcome, error, count: 1)
                        if kept == nil { kept = ContiguousArray(samples.prefix(offset)) }
                    } else {
                        kept?.append(sample)
                    }
                }
                var keptHistograms: ContiguousArray<HistogramPoint>? = nil
                let points = batch.histograms(of: index)
                for (offset, point) in zip(0..., points) {
                    var error: ValidationError? = nil
                    var reduced: HistogramPoint? = nil
                    if point.timestamp > maxTimestamp {
                        error = .tooFarInFuture(timestamp: point.timestamp, metric: metricName(batch, index, raw))
                    } else if point.timestamp < minTimestamp {
                        error = .tooFarInPast(timestamp: point.timestamp, metric: metricName(batch, index, raw))
                    } else {
                        switch histogramValidator.validate(point, series: { seriesString(batch, index, raw) }) {
                        case .keep: break
                        case .reduced(let changed): reduced = changed
                        case .refused(let refusal): error = refusal
                        }
                    }
                    if let error {
                        reject(&outcome, error, count: 1)
                        if keptHistograms == nil { keptHistograms = ContiguousArray(points.prefix(offset)) }
                    } else if let reduced {
                        if keptHistograms == nil { keptHistograms = ContiguousArray(points.prefix(offset)) }
                        keptHistograms?.append(reduced)
                    } else {
                        keptHistograms?.append(point)
                    }
                }
                let floats = kept?.count ?? Int(entry.sampleCount)
                let histograms = keptHistograms?.count ?? Int(entry.histogramCount)
                if kept != nil || keptHistograms != nil {
                    // A series whose every sample was dropped has nothing left to store.
                    if floats == 0 && histograms == 0 && entry.exemplarCount == 0 { continue }
                    if let kept { trimmed[index] = kept }
                    if let keptHistograms { trimmedHistograms[index] = keptHistograms }
                }
                keep.append(index)
                outcome.validSamples += floats + histograms
                outcome.validHistograms += histograms
                outcome.validExemplars += Int(entry.exemplarCount)
            }
        }

        if trimmed.isEmpty && trimmedHistograms.isEmpty {
            if keep.count != batch.series.count { outcome.batch = batch.keeping(series: keep) }
        } else {
            outcome.batch = Self.rebuild(batch, keeping: keep, trimmed: trimmed, trimmedHistograms: trimmedHistograms)
        }
        return outcome
    }

    private func reject(_ outcome: inout ValidationOutcome, _ error: ValidationError, count: Int) {
        outcome.rejectedSamples += count
        outcome.rejectedByID[error.id, default: 0] += count
        if outcome.firstError == nil { outcome.firstError = error }
    }

    /// A batch of the kept series with fresh sample and histogram columns; labels and buffer
    /// stay shared.
    private static func rebuild(_ batch: SeriesBatch, keeping keep: [Int], trimmed: [Int: ContiguousArray<Sample>],
                                trimmedHistograms: [Int: ContiguousArray<HistogramPoint>]) -> SeriesBatch {
        var samples = ContiguousArray<Sample>()
        var histograms = ContiguousArray<HistogramPoint>()
        var series = ContiguousArray<SeriesBatch.Entry>()
        series.reserveCapacity(keep.count)
        for index in keep {
            var entry = batch.series[index]
            let start = UInt32(samples.count)
            if let kept = trimmed[index] {
                samples.append(contentsOf: kept)
            } else {
                samples.append(contentsOf: batch.samples(of: index))
            }
            entry.sampleCount = UInt32(samples.count) - start
            entry.sampleStart = start
            let histogramStart = UInt32(histograms.count)
            if let kept = trimmedHistograms[index] {
                histograms.append(contentsOf: kept)
            } else {
                histograms.append(contentsOf: batch.histograms(of: index))
            }
            entry.histogramCount = UInt32(histograms.count) - histogramStart
            entry.histogramStart = histogramStart
            series.append(entry)
        }
        return SeriesBatch(buffer: batch.buffer, labels: batch.labels, series: series, samples: samples,
                           histograms: histograms, metadataCount: batch.metadataCount)
    }

    // MARK: - Labels

    /// The first problem with series `index`'s labels, in Mimir's order of checks, or nil.
    private func validateLabels(_ batch: SeriesBatch, _ index: Int, _ raw: UnsafeRawBufferPointer) -> ValidationError? {
        let entry = batch.series[index]
        let first = Int(entry.labelStart)
        let count = Int(entry.labelCount)

        guard let nameValue = metricNameBytes(batch, index, raw) else { return .missingMetricName() }
        if !Self.isValidMetricName(nameValue) {
            return .metricNameInvalid(String(decoding: nameValue, as: UTF8.self))
        }
        if count > limits.maxLabelNamesPerSeries {
            return .maxLabelNamesPerSeries(actual: count, limit: limits.maxLabelNamesPerSeries, series: seriesString(batch, index, raw))
        }

        var previous: UnsafeRawBufferPointer? = nil
        for i in 0..<count {
            let ref = batch.labels[first + i]
            let name = Self.slice(raw, ref.nameOffset, ref.nameLength)
            let value = Self.slice(raw, ref.valueOffset, ref.valueLength)
            if !Self.isValidLabelName(name) {
                return .labelInvalid(label: Self.string(name), series: seriesString(batch, index, raw))
            }
            if name.count > limits.maxLabelNameLength {
                return .labelNameTooLong(label: Self.string(name), series: seriesString(batch, index, raw))
            }
            if !Self.isValidUTF8(value) {
                return .labelValueInvalid(label: Self.string(name), value: Self.string(value), metric: Self.string(nameValue))
            }
            if value.count > limits.maxLabelValueLength {
                return .labelValueTooLong(label: Self.string(name), value: Self.string(value), series: seriesString(batch, index, raw))
            }
            if let previous {
                if previous.elementsEqual(name) {
                    return .duplicateLabelNames(label: Self.string(name), series: seriesString(batch, index, raw))
                }
                if !previous.lexicographicallyPrecedes(name) {
                    return .labelsNotSorted(label: Self.string(name), series: seriesString(batch, index, raw))
                }
            }
            previous = name
        }
        return nil
    }

    /// True when every label of series `index` lies inside the label column and the buffer.
    private func labelRangesValid(_ batch: SeriesBatch, _ index: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let entry = batch.series[index]
        let first = Int(entry.labelStart)
        let count = Int(entry.labelCount)
        guard first + count <= batch.labels.count else { return false }
        for i in first..<(first + count) {
            let ref = batch.labels[i]
            if Int(ref.nameOffset) + Int(ref.nameLength) > raw.count || Int(ref.valueOffset) + Int(ref.valueLength) > raw.count {
                return false
            }
        }
        return true
    }

    private func metricNameBytes(_ batch: SeriesBatch, _ index: Int, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let entry = batch.series[index]
        let first = Int(entry.labelStart)
        for i in first..<(first + Int(entry.labelCount)) {
            let ref = batch.labels[i]
            if Self.slice(raw, ref.nameOffset, ref.nameLength).elementsEqual(Self.metricNameBytes) {
                return Self.slice(raw, ref.valueOffset, ref.valueLength)
            }
        }
        return nil
    }

    private func metricName(_ batch: SeriesBatch, _ index: Int, _ raw: UnsafeRawBufferPointer) -> String {
        metricNameBytes(batch, index, raw).map(Self.string) ?? ""
    }

    /// The series as `name{a="1", b="2"}` in the sender's label order (for messages only).
    private func seriesString(_ batch: SeriesBatch, _ index: Int, _ raw: UnsafeRawBufferPointer) -> String {
        let entry = batch.series[index]
        let first = Int(entry.labelStart)
        var name = ""
        var inner: [String] = []
        for i in first..<(first + Int(entry.labelCount)) {
            let ref = batch.labels[i]
            let labelName = Self.string(Self.slice(raw, ref.nameOffset, ref.nameLength))
            let labelValue = Self.string(Self.slice(raw, ref.valueOffset, ref.valueLength))
            if labelName == metricNameLabel && name.isEmpty {
                name = labelValue
            } else {
                inner.append("\(labelName)=\(quoteLabelValue(labelValue))")
            }
        }
        if inner.isEmpty && !name.isEmpty { return name }
        return name + "{" + inner.joined(separator: ", ") + "}"
    }

    // MARK: - Byte-level checks

    @inline(__always)
    private static func slice(_ raw: UnsafeRawBufferPointer, _ offset: UInt32, _ length: UInt32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[Int(offset)..<(Int(offset) + Int(length))])
    }

    /// Invalid UTF-8 becomes U+FFFD, as Mimir's `validUTF8Message` does, so messages stay valid text.
    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private static func isLetterOrUnderscore(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x5f
    }

    @inline(__always)
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// The legacy Prometheus metric name scheme: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidMetricName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, isLetterOrUnderscore(first) || first == 0x3a else { return false }
        for b in bytes.dropFirst() where !(isLetterOrUnderscore(b) || isDigit(b) || b == 0x3a) { return false }
        return true
    }

    /// The legacy Prometheus label name scheme: `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isValidLabelName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, isLetterOrUnderscore(first) else { return false }
        for b in bytes.dropFirst() where !(isLetterOrUnderscore(b) || isDigit(b)) { return false }
        return true
    }

    /// Well-formed UTF-8, checked without allocating (ASCII takes the fast path).
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isASCII(bytes) { return true }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// True when no byte has its high bit set; reads eight bytes at a time, since label values
    /// are nearly always ASCII and this runs for every label of every series pushed.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= count {
            acc |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            acc |= UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        GoDuration.totalNanoseconds(duration) / 1_000_000
    }
}

extension Int64 {
    /// `self + other`, clamped to the range of `Int64`.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if !overflow { return sum }
        return other > 0 ? .max : .min
    }
}
