import StrataModel

/// Encodes remote write 2.0 `io.prometheus.write.v2.Request` bodies (uncompressed protobuf;
/// compress with `Snappy.compress` before sending), as Prometheus 3 sends them: a symbols table
/// starting with "" and holding every label name and value once, in first-use order, then one
/// `TimeSeries` per batch entry with packed `labels_refs`, float samples and native histograms.
///
/// Used by the load generator; `RemoteWriteV2Decoder` reads what it writes. Sizes are computed
/// first so the output is allocated once, as `RemoteWriteEncoder` does.
public enum RemoteWriteV2Encoder {
    /// Encodes the batch's `series` entries, in order: labels (as symbol references), float
    /// samples and native histograms. Exemplars and metadata are not encoded (the batch does
    /// not carry their contents).
    public static func encode(_ batch: SeriesBatch) -> [UInt8] {
        batch.buffer.withUnsafeBytes { buffer in
            // Symbols as (offset, length) into the batch's buffer; index 0 is the required "".
            var symbolOffsets: ContiguousArray<(offset: Int, length: Int)> = [(0, 0)]
            var symbolIndex: [ArraySlice<UInt8>: UInt32] = [[]: 0]
            var refs = ContiguousArray<UInt32>()
            refs.reserveCapacity(batch.labels.count * 2)
            func ref(_ offset: UInt32, _ length: UInt32) -> UInt32 {
                let start = Int(offset), end = Int(offset) + Int(length)
                // Refs come from the decoder or `append`, which keep them inside the buffer.
                precondition(end <= buffer.count, "SeriesBatch label ref outside its buffer")
                let key = batch.buffer[start..<end]
                if let i = symbolIndex[key] { return i }
                let i = UInt32(symbolOffsets.count)
                symbolOffsets.append((start, Int(length)))
                symbolIndex[key] = i
                return i
            }
            for entry in batch.series {
                for label in batch.labels[Int(entry.labelStart)..<Int(entry.labelStart) + Int(entry.labelCount)] {
                    refs.append(ref(label.nameOffset, label.nameLength))
                    refs.append(ref(label.valueOffset, label.valueLength))
                }
            }

            var total = 0
            for s in symbolOffsets { total += lengthDelimitedSize(field: V2RequestField.symbols, length: s.length) }
            var payloadSizes = ContiguousArray<Int>()
            payloadSizes.reserveCapacity(batch.series.count)
            var refsSizes = ContiguousArray<Int>()
            refsSizes.reserveCapacity(batch.series.count)
            var refIndex = 0
            for entry in batch.series {
                var refsPayload = 0
                for r in refs[refIndex..<refIndex + 2 * Int(entry.labelCount)] { refsPayload += varintSize(UInt64(r)) }
                refIndex += 2 * Int(entry.labelCount)
                refsSizes.append(refsPayload)
                var size = refsPayload == 0 ? 0 : lengthDelimitedSize(field: V2TimeSeriesField.labelsRefs, length: refsPayload)
                for s in samples(of: entry, in: batch) {
                    size += lengthDelimitedSize(field: V2TimeSeriesField.samples, length: samplePayloadSize(s))
                }
                for h in histograms(of: entry, in: batch) {
                    size += lengthDelimitedSize(field: V2TimeSeriesField.histograms, length: HistogramWireCodec.payloadSize(h))
                }
                payloadSizes.append(size)
                total += lengthDelimitedSize(field: V2RequestField.timeseries, length: size)
            }

            return buildMessage(size: total) { w in
                for s in symbolOffsets {
                    w.writeLengthPrefix(V2RequestField.symbols, s.length)
                    w.writeBytes(UnsafeRawBufferPointer(start: buffer.baseAddress.map { $0 + s.offset }, count: s.length))
                }
                var refIndex = 0
                for (index, entry) in batch.series.enumerated() {
                    w.writeLengthPrefix(V2RequestField.timeseries, payloadSizes[index])
                    let refCount = 2 * Int(entry.labelCount)
                    if refsSizes[index] > 0 {
                        w.writeLengthPrefix(V2TimeSeriesField.labelsRefs, refsSizes[index])
                        for r in refs[refIndex..<refIndex + refCount] { w.writeVarint(UInt64(r)) }
                    }
                    refIndex += refCount
                    // The v2 `Sample` message and its field number (2) are those of 1.0.
                    for s in samples(of: entry, in: batch) { w.writeSampleField(s) }
                    for h in histograms(of: entry, in: batch) { w.writeHistogramField(V2TimeSeriesField.histograms, h) }
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
}
