import StrataModel

/// Decodes the samples of a histogram chunk (`ChunkEncoding.histogram`), in stored order
/// (Prometheus `histogramIterator`).
///
/// Never traps on bad input: a truncated or inconsistent stream ends iteration and sets `error`.
public struct HistogramIterator: IteratorProtocol, Sendable {
    var reader: BitReader
    /// Samples the header promises.
    let total: Int
    /// The chunk's counter-reset header.
    public let header: CounterResetHeader
    var decoded = 0
    var layout = HistogramChunkLayout(schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [], customValues: [])
    var t: Int64 = 0
    var tDelta: Int64 = 0
    var cnt: UInt64 = 0
    var zCnt: UInt64 = 0
    var cntDelta: Int64 = 0
    var zCntDelta: Int64 = 0
    var pBuckets: [Int64] = []
    var nBuckets: [Int64] = []
    var pBucketsDelta: [Int64] = []
    var nBucketsDelta: [Int64] = []
    var sum: Double = 0
    var sumWindow = XORWindow()

    /// Why iteration stopped early, or nil.
    public private(set) var error: ChunkError?

    /// Iterates the chunk in `bytes` (including its 3-byte header).
    public init(bytes: [UInt8]) {
        reader = BitReader(bytes: bytes, offset: HistogramChunk.headerSize)
        if bytes.count < HistogramChunk.headerSize {
            total = 0
            header = .unknown
            error = .corrupt("histogram chunk of \(bytes.count) bytes is shorter than its 3-byte header")
        } else {
            total = Int(bytes[0]) << 8 | Int(bytes[1])
            header = CounterResetHeader(flags: bytes[2])
        }
    }

    /// The number of samples the chunk header declares.
    public var declaredCount: Int { total }

    /// The next sample, or nil at the end or on corrupt data (then `error` is set).
    public mutating func next() -> HistogramSample? {
        guard decoded < total, error == nil else { return nil }
        if decoded == 0 {
            do {
                layout = try HistogramChunkLayout.read(&reader)
            } catch {
                self.error = error
                return nil
            }
            let np = HistogramSpan.bucketCount(layout.positiveSpans)
            let nn = HistogramSpan.bucketCount(layout.negativeSpans)
            pBuckets = Array(repeating: 0, count: np)
            pBucketsDelta = pBuckets
            nBuckets = Array(repeating: 0, count: nn)
            nBucketsDelta = nBuckets
            guard let time = Varbit.readInt(&reader), let c = Varbit.readUint(&reader),
                  let z = Varbit.readUint(&reader), let s = reader.read(64) else {
                return fail("truncated first sample")
            }
            t = time
            cnt = c
            zCnt = z
            sum = Double(bitPattern: s)
            for i in 0..<np {
                guard let v = Varbit.readInt(&reader) else { return fail("truncated first sample's buckets") }
                pBuckets[i] = v
            }
            for i in 0..<nn {
                guard let v = Varbit.readInt(&reader) else { return fail("truncated first sample's buckets") }
                nBuckets[i] = v
            }
        } else {
            guard let tDod = Varbit.readInt(&reader), let cntDod = Varbit.readInt(&reader),
                  let zCntDod = Varbit.readInt(&reader) else {
                return fail("truncated sample \(decoded)")
            }
            tDelta &+= tDod
            t &+= tDelta
            cntDelta &+= cntDod
            cnt = UInt64(bitPattern: Int64(bitPattern: cnt) &+ cntDelta)
            zCntDelta &+= zCntDod
            zCnt = UInt64(bitPattern: Int64(bitPattern: zCnt) &+ zCntDelta)
            guard let s = sumWindow.read(&reader, previous: sum) else { return fail("truncated sum of sample \(decoded)") }
            sum = s
            if !StaleNaN.isStale(sum) {
                for i in pBuckets.indices {
                    guard let dod = Varbit.readInt(&reader) else { return fail("truncated buckets of sample \(decoded)") }
                    pBucketsDelta[i] &+= dod
                    pBuckets[i] &+= pBucketsDelta[i]
                }
                for i in nBuckets.indices {
                    guard let dod = Varbit.readInt(&reader) else { return fail("truncated buckets of sample \(decoded)") }
                    nBucketsDelta[i] &+= dod
                    nBuckets[i] &+= nBucketsDelta[i]
                }
            }
        }
        let position = decoded
        decoded += 1
        if StaleNaN.isStale(sum) {
            return HistogramSample(timestamp: t, histogram: .staleMarker)
        }
        return HistogramSample(timestamp: t, histogram: Histogram(
            counterResetHint: header.hint(forSampleAt: position), schema: layout.schema,
            zeroThreshold: layout.zeroThreshold, zeroCount: zCnt, count: cnt, sum: sum,
            positiveSpans: layout.positiveSpans, positiveBuckets: pBuckets,
            negativeSpans: layout.negativeSpans, negativeBuckets: nBuckets, customValues: layout.customValues))
    }

    private mutating func fail(_ reason: String) -> HistogramSample? {
        error = .corrupt(reason)
        return nil
    }
}
