import StrataModel

/// Encodes remote write 1.0 `WriteRequest` bodies (uncompressed protobuf; compress with
/// `Snappy.compress` before sending).
///
/// Sizes are computed first so the output is allocated once and written front to back, with no
/// intermediate buffer per series or label.
public enum RemoteWriteEncoder {
    /// Encodes the batch's `series` entries, in order, as a WriteRequest: labels, float samples
    /// and native histograms. Exemplar counts are not encoded (the batch does not carry their
    /// contents).
    public static func encode(_ batch: SeriesBatch) -> [UInt8] {
        batch.buffer.withUnsafeBytes { buffer in
            // One array for all series' payload sizes, so the write pass need not recompute them.
            var payloadSizes = ContiguousArray<Int>()
            payloadSizes.reserveCapacity(batch.series.count)
            var total = 0
            for entry in batch.series {
                var size = 0
                let labelEnd = Int(entry.labelStart) + Int(entry.labelCount)
                for ref in batch.labels[Int(entry.labelStart)..<labelEnd] {
                    // Refs come from the decoder or `append`, which keep them inside the buffer;
                    // checked once here so the write pass can use raw pointers.
                    precondition(Int(ref.nameOffset) + Int(ref.nameLength) <= buffer.count
                                 && Int(ref.valueOffset) + Int(ref.valueLength) <= buffer.count,
                                 "SeriesBatch label ref outside its buffer")
                    let payload = labelPayloadSize(nameLength: Int(ref.nameLength), valueLength: Int(ref.valueLength))
                    size += lengthDelimitedSize(field: TimeSeriesField.labels, length: payload)
                }
                size += samplesFieldsSize(samples(of: entry, in: batch))
                size += histogramsFieldsSize(histograms(of: entry, in: batch))
                payloadSizes.append(size)
                total += lengthDelimitedSize(field: WriteRequestField.timeseries, length: size)
            }
            return buildMessage(size: total) { w in
                for (index, entry) in batch.series.enumerated() {
                    w.writeLengthPrefix(WriteRequestField.timeseries, payloadSizes[index])
                    let labelEnd = Int(entry.labelStart) + Int(entry.labelCount)
                    for ref in batch.labels[Int(entry.labelStart)..<labelEnd] {
                        let name = UnsafeRawBufferPointer(start: buffer.baseAddress.map { $0 + Int(ref.nameOffset) },
                                                          count: Int(ref.nameLength))
                        let value = UnsafeRawBufferPointer(start: buffer.baseAddress.map { $0 + Int(ref.valueOffset) },
                                                           count: Int(ref.valueLength))
                        w.writeLabelField(name: name, value: value)
                    }
                    for s in samples(of: entry, in: batch) { w.writeSampleField(s) }
                    for h in histograms(of: entry, in: batch) { w.writeHistogramField(TimeSeriesField.histograms, h) }
                }
            }
        }
    }

    @inline(__always)
    private static func samples(of entry: SeriesBatch.Entry, in batch: SeriesBatch) -> ContiguousArray<Sample>.SubSequence {
        let start = Int(entry.sampleStart)
        return batch.samples[start..<start + Int(entry.sampleCount)]
    }

    @inline(__always)
    private static func histograms(of entry: SeriesBatch.Entry, in batch: SeriesBatch) -> ContiguousArray<HistogramPoint>.SubSequence {
        let start = Int(entry.histogramStart)
        return batch.histograms[start..<start + Int(entry.histogramCount)]
    }

    /// Encodes series given as values, in order, as a WriteRequest.
    public static func encode(series: [(labels: Labels, samples: [Sample])]) -> [UInt8] {
        encode(seriesWithHistograms: series.map { (labels: $0.labels, samples: $0.samples, histograms: [HistogramPoint]()) })
    }

    /// Encodes series with float samples and native histograms, in order, as a WriteRequest.
    public static func encode(seriesWithHistograms series: [(labels: Labels, samples: [Sample], histograms: [HistogramPoint])]) -> [UInt8] {
        var payloadSizes = ContiguousArray<Int>()
        payloadSizes.reserveCapacity(series.count)
        var total = 0
        for s in series {
            let size = timeSeriesPayloadSize(labels: s.labels, samples: s.samples, histograms: s.histograms)
            payloadSizes.append(size)
            total += lengthDelimitedSize(field: WriteRequestField.timeseries, length: size)
        }
        return buildMessage(size: total) { w in
            for (index, s) in series.enumerated() {
                w.writeTimeSeriesField(WriteRequestField.timeseries, payloadSize: payloadSizes[index],
                                       labels: s.labels, samples: s.samples, histograms: s.histograms)
            }
        }
    }
}
