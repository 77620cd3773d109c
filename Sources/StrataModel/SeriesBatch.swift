/// A columnar batch of series and their samples: what one remote-write request carries after
/// decoding, and what the head appends.
///
/// Label names and values are not materialised as `String`s: they stay as byte ranges into
/// `buffer` (the decompressed request body when decoded from the wire). The head hashes and
/// compares those bytes to find an existing series, so an append to a known series allocates
/// nothing per label.
public struct SeriesBatch: Sendable {
    /// A label as two byte ranges into `buffer`.
    public struct LabelRef: Sendable, Equatable {
        public var nameOffset: UInt32
        public var nameLength: UInt32
        public var valueOffset: UInt32
        public var valueLength: UInt32

        public init(nameOffset: UInt32, nameLength: UInt32, valueOffset: UInt32, valueLength: UInt32) {
            self.nameOffset = nameOffset
            self.nameLength = nameLength
            self.valueOffset = valueOffset
            self.valueLength = valueLength
        }
    }

    /// One series: a run of `labels` and a run of `samples`.
    public struct Entry: Sendable, Equatable {
        /// Index of the series' first label in `labels`.
        public var labelStart: UInt32
        /// Number of labels, in the order the sender wrote them.
        public var labelCount: UInt32
        /// Index of the series' first sample in `samples`.
        public var sampleStart: UInt32
        /// Number of float samples.
        public var sampleCount: UInt32
        /// Number of exemplars the sender attached (counted, not stored yet).
        public var exemplarCount: UInt32
        /// Number of native histogram samples of the series in `histograms`.
        public var histogramCount: UInt32
        /// Index of the series' first native histogram sample in `histograms`.
        public var histogramStart: UInt32

        public init(labelStart: UInt32, labelCount: UInt32, sampleStart: UInt32, sampleCount: UInt32,
                    exemplarCount: UInt32 = 0, histogramCount: UInt32 = 0, histogramStart: UInt32 = 0) {
            self.labelStart = labelStart
            self.labelCount = labelCount
            self.sampleStart = sampleStart
            self.sampleCount = sampleCount
            self.exemplarCount = exemplarCount
            self.histogramCount = histogramCount
            self.histogramStart = histogramStart
        }
    }

    /// Bytes that label refs point into.
    public var buffer: [UInt8]
    /// All labels of all series, series after series.
    public var labels: ContiguousArray<LabelRef>
    /// The series.
    public var series: ContiguousArray<Entry>
    /// All samples of all series, series after series.
    public var samples: ContiguousArray<Sample>
    /// All native histogram samples of all series, series after series.
    public var histograms: ContiguousArray<HistogramPoint>
    /// Number of metadata entries the request carried (counted for limits, not stored yet).
    public var metadataCount: Int

    /// An empty batch.
    public init() {
        buffer = []
        labels = []
        series = []
        samples = []
        histograms = []
        metadataCount = 0
    }

    /// Wraps already-decoded columns.
    public init(buffer: [UInt8], labels: ContiguousArray<LabelRef>, series: ContiguousArray<Entry>,
                samples: ContiguousArray<Sample>, histograms: ContiguousArray<HistogramPoint> = [],
                metadataCount: Int = 0) {
        self.buffer = buffer
        self.labels = labels
        self.series = series
        self.samples = samples
        self.histograms = histograms
        self.metadataCount = metadataCount
    }

    /// Number of float samples of the series in `series` (a filtered batch keeps the sample
    /// column of the original, so this sums the entries rather than counting `samples`).
    public var sampleCount: Int {
        var n = 0
        for e in series { n += Int(e.sampleCount) }
        return n
    }

    /// The same batch restricted to the series at `indices` (in that order). Columns are shared
    /// copy-on-write, so this copies only the series entries.
    public func keeping(series indices: some Sequence<Int>) -> SeriesBatch {
        var copy = self
        copy.series = ContiguousArray(indices.map { series[$0] })
        return copy
    }

    /// The same batch with label `name` removed from every series that has it (the HA tracker
    /// strips the replica label before storage). Only the label column is rebuilt; label bytes
    /// and samples are shared.
    public func removingLabel(named name: String) -> SeriesBatch {
        var copy = self
        var newLabels = ContiguousArray<LabelRef>()
        newLabels.reserveCapacity(labels.count)
        var wanted = name
        wanted.withUTF8 { target in
            let target = UnsafeRawBufferPointer(target)
            for index in series.indices {
                let entry = series[index]
                let start = UInt32(newLabels.count)
                for i in 0..<Int(entry.labelCount) {
                    let matches = withLabelBytes(series: index, label: i) { n, _ in n.elementsEqual(target) }
                    if !matches { newLabels.append(labels[Int(entry.labelStart) + i]) }
                }
                copy.series[index].labelStart = start
                copy.series[index].labelCount = UInt32(newLabels.count) - start
            }
        }
        copy.labels = newLabels
        return copy
    }

    /// Number of native histogram samples of the series in `series`.
    public var histogramSampleCount: Int {
        var n = 0
        for e in series { n += Int(e.histogramCount) }
        return n
    }

    /// Appends a series built from values (tests, load generator, re-encoding).
    public mutating func append(labels newLabels: Labels, samples newSamples: some Collection<Sample>,
                                histograms newHistograms: some Collection<HistogramPoint> = [HistogramPoint]()) {
        let labelStart = UInt32(labels.count)
        for label in newLabels {
            let nameOffset = UInt32(buffer.count)
            buffer.append(contentsOf: label.name.utf8)
            let valueOffset = UInt32(buffer.count)
            buffer.append(contentsOf: label.value.utf8)
            labels.append(LabelRef(nameOffset: nameOffset, nameLength: UInt32(label.name.utf8.count),
                                   valueOffset: valueOffset, valueLength: UInt32(label.value.utf8.count)))
        }
        let sampleStart = UInt32(samples.count)
        samples.append(contentsOf: newSamples)
        let histogramStart = UInt32(histograms.count)
        histograms.append(contentsOf: newHistograms)
        series.append(Entry(labelStart: labelStart, labelCount: UInt32(newLabels.count),
                            sampleStart: sampleStart, sampleCount: UInt32(newSamples.count),
                            histogramCount: UInt32(newHistograms.count), histogramStart: histogramStart))
    }

    /// The native histogram samples of series `index`.
    @inlinable
    public func histograms(of index: Int) -> ContiguousArray<HistogramPoint>.SubSequence {
        let e = series[index]
        return histograms[Int(e.histogramStart)..<Int(e.histogramStart + e.histogramCount)]
    }

    /// The samples of series `index`.
    @inlinable
    public func samples(of index: Int) -> ContiguousArray<Sample>.SubSequence {
        let e = series[index]
        return samples[Int(e.sampleStart)..<Int(e.sampleStart + e.sampleCount)]
    }

    /// Label `i` (0-based, sender's order) of series `index`, as name and value bytes.
    @inlinable
    public func withLabelBytes<R>(series index: Int, label i: Int,
                                  _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let ref = labels[Int(series[index].labelStart) + i]
        return try buffer.withUnsafeBytes { raw in
            let name = UnsafeRawBufferPointer(rebasing: raw[Int(ref.nameOffset)..<Int(ref.nameOffset + ref.nameLength)])
            let value = UnsafeRawBufferPointer(rebasing: raw[Int(ref.valueOffset)..<Int(ref.valueOffset + ref.valueLength)])
            return try body(name, value)
        }
    }

    /// The name of label `i` of series `index` as a `String` (allocates; for errors and new series).
    public func labelName(series index: Int, label i: Int) -> String {
        withLabelBytes(series: index, label: i) { name, _ in String(decoding: name, as: UTF8.self) }
    }

    /// The value of label `i` of series `index` as a `String` (allocates; for errors and new series).
    public func labelValue(series index: Int, label i: Int) -> String {
        withLabelBytes(series: index, label: i) { _, value in String(decoding: value, as: UTF8.self) }
    }

    /// Materialises the labels of series `index`, sorted.
    public func labels(of index: Int) -> Labels {
        let e = series[index]
        var out = ContiguousArray<Label>()
        out.reserveCapacity(Int(e.labelCount))
        for i in 0..<Int(e.labelCount) {
            out.append(Label(name: labelName(series: index, label: i), value: labelValue(series: index, label: i)))
        }
        return Labels(out)
    }

    /// The value of label `name` of series `index` without allocating for the comparison.
    public func labelValue(series index: Int, named name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted -> String? in
            let e = series[index]
            for i in 0..<Int(e.labelCount) {
                let hit = withLabelBytes(series: index, label: i) { n, _ in n.elementsEqual(UnsafeRawBufferPointer(wanted)) }
                if hit { return labelValue(series: index, label: i) }
            }
            return nil
        }
    }

    /// xxHash64 of series `index`'s labels, equal to `labels(of: index).stableHash` when the
    /// sender's labels are sorted (which validation requires before a batch reaches the head).
    public func stableHash(of index: Int) -> UInt64 {
        var hasher = LabelsHasher()
        let e = series[index]
        for i in 0..<Int(e.labelCount) {
            withLabelBytes(series: index, label: i) { name, value in
                hasher.add(bytes: name)
                hasher.add(bytes: value)
            }
        }
        return hasher.finish()
    }
}
