import StrataModel

/// Decodes the samples of a float histogram chunk (`ChunkEncoding.floatHistogram`), in stored
/// order (Prometheus `floatHistogramIterator`).
///
/// Never traps on bad input: a truncated or inconsistent stream ends iteration and sets `error`.
public struct FloatHistogramIterator: IteratorProtocol, Sendable {
    var reader: BitReader
    let total: Int
    /// The chunk's counter-reset header.
    public let header: CounterResetHeader
    var decoded = 0
    var layout = HistogramChunkLayout(schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [], customValues: [])
    var t: Int64 = 0
    var tDelta: Int64 = 0
    var cnt: Double = 0
    var zCnt: Double = 0
    var sum: Double = 0
    var cntWindow = XORWindow()
    var zCntWindow = XORWindow()
    var sumWindow = XORWindow()
    var pBuckets: [Double] = []
    var nBuckets: [Double] = []
    var pWindows: [XORWindow] = []
    var nWindows: [XORWindow] = []

    /// Why iteration stopped early, or nil.
    public private(set) var error: ChunkError?

    /// Iterates the chunk in `bytes` (including its 3-byte header).
    public init(bytes: [UInt8]) {
        reader = BitReader(bytes: bytes, offset: HistogramChunk.headerSize)
        if bytes.count < HistogramChunk.headerSize {
            total = 0
            header = .unknown
            error = .corrupt("float histogram chunk of \(bytes.count) bytes is shorter than its 3-byte header")
        } else {
            total = Int(bytes[0]) << 8 | Int(bytes[1])
            header = CounterResetHeader(flags: bytes[2])
        }
    }

    /// The number of samples the chunk header declares.
    public var declaredCount: Int { total }

    /// The next sample, or nil at the end or on corrupt data (then `error` is set).
    public mutating func next() -> FloatHistogramSample? {
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
            nBuckets = Array(repeating: 0, count: nn)
            pWindows = Array(repeating: XORWindow(), count: np)
            nWindows = Array(repeating: XORWindow(), count: nn)
            guard let time = Varbit.readInt(&reader), let c = reader.read(64), let z = reader.read(64),
                  let s = reader.read(64) else {
                return fail("truncated first sample")
            }
            t = time
            cnt = Double(bitPattern: c)
            zCnt = Double(bitPattern: z)
            sum = Double(bitPattern: s)
            for i in 0..<np {
                guard let v = reader.read(64) else { return fail("truncated first sample's buckets") }
                pBuckets[i] = Double(bitPattern: v)
            }
            for i in 0..<nn {
                guard let v = reader.read(64) else { return fail("truncated first sample's buckets") }
                nBuckets[i] = Double(bitPattern: v)
            }
        } else {
            guard let tDod = Varbit.readInt(&reader) else { return fail("truncated sample \(decoded)") }
            tDelta &+= tDod
            t &+= tDelta
            guard let c = cntWindow.read(&reader, previous: cnt), let z = zCntWindow.read(&reader, previous: zCnt),
                  let s = sumWindow.read(&reader, previous: sum) else {
                return fail("truncated counts of sample \(decoded)")
            }
            cnt = c
            zCnt = z
            sum = s
            if !StaleNaN.isStale(sum) {
                for i in pBuckets.indices {
                    guard let v = pWindows[i].read(&reader, previous: pBuckets[i]) else { return fail("truncated buckets of sample \(decoded)") }
                    pBuckets[i] = v
                }
                for i in nBuckets.indices {
                    guard let v = nWindows[i].read(&reader, previous: nBuckets[i]) else { return fail("truncated buckets of sample \(decoded)") }
                    nBuckets[i] = v
                }
            }
        }
        let position = decoded
        decoded += 1
        if StaleNaN.isStale(sum) {
            return FloatHistogramSample(timestamp: t, histogram: .staleMarker)
        }
        return FloatHistogramSample(timestamp: t, histogram: FloatHistogram(
            counterResetHint: header.hint(forSampleAt: position), schema: layout.schema,
            zeroThreshold: layout.zeroThreshold, zeroCount: zCnt, count: cnt, sum: sum,
            positiveSpans: layout.positiveSpans, positiveBuckets: pBuckets,
            negativeSpans: layout.negativeSpans, negativeBuckets: nBuckets, customValues: layout.customValues))
    }

    private mutating func fail(_ reason: String) -> FloatHistogramSample? {
        error = .corrupt(reason)
        return nil
    }
}
