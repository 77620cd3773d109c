/// A log-linear latency histogram (HDR-style): exact below 128 µs, then 64 buckets per power of
/// two, so any reported quantile is within 1.6% of the true value. Each worker fills its own and
/// the report merges them; the maximum is kept exactly.
struct LatencyHistogram: Sendable {
    /// Sub-buckets per power of two.
    private static let subBuckets = 64
    /// Values below this (µs) get one bucket each.
    private static let linearLimit = 2 * subBuckets

    /// Counts per bucket, grown on demand.
    private var counts: [Int] = []
    /// Number of recorded values.
    private(set) var total = 0
    /// Largest recorded value, in nanoseconds.
    private(set) var maxNanos: Int64 = 0
    /// Sum of recorded values, in nanoseconds (for the mean).
    private(set) var sumNanos: Int64 = 0

    init() {}

    /// Records one latency.
    mutating func record(nanoseconds: Int64) {
        let ns = max(0, nanoseconds)
        let index = Self.bucket(of: UInt64(ns / 1000))
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        counts[index] += 1
        total += 1
        sumNanos &+= ns
        if ns > maxNanos { maxNanos = ns }
    }

    /// Adds another histogram's values.
    mutating func merge(_ other: LatencyHistogram) {
        if other.counts.count > counts.count {
            counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count))
        }
        for (i, c) in other.counts.enumerated() { counts[i] += c }
        total += other.total
        sumNanos &+= other.sumNanos
        maxNanos = max(maxNanos, other.maxNanos)
    }

    /// The `q`-quantile (0…1) in nanoseconds: the midpoint of the bucket holding it, capped at the
    /// maximum. Zero when nothing was recorded.
    func quantile(_ q: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                let (low, high) = Self.range(of: i)
                let mid = (low + high) / 2 * 1000
                return min(Int64(clamping: mid), maxNanos)
            }
        }
        return maxNanos
    }

    /// Mean in nanoseconds.
    var meanNanos: Int64 { total == 0 ? 0 : sumNanos / Int64(total) }

    /// Bucket index of a value in microseconds.
    private static func bucket(of micros: UInt64) -> Int {
        if micros < UInt64(linearLimit) { return Int(micros) }
        let exponent = 63 - micros.leadingZeroBitCount          // ≥ 7
        let shift = exponent - 6
        let mantissa = Int(micros >> UInt64(shift))               // in 64..<128
        return linearLimit + (exponent - 7) * subBuckets + (mantissa - subBuckets)
    }

    /// Inclusive range of microsecond values of bucket `index`.
    private static func range(of index: Int) -> (UInt64, UInt64) {
        if index < linearLimit { return (UInt64(index), UInt64(index)) }
        let rest = index - linearLimit
        let exponent = rest / subBuckets + 7
        let mantissa = UInt64(rest % subBuckets + subBuckets)
        let shift = UInt64(exponent - 6)
        return (mantissa << shift, ((mantissa + 1) << shift) - 1)
    }
}
