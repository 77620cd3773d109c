import StrataModel

/// Adds up native histograms for `sum`/`avg` and `sum_over_time`/`avg_over_time`, as
/// Prometheus does: bucket by bucket through `FloatHistogram.combine`, with Kahan-compensated
/// count, zero count and sum (so `1e100 + x - 1e100` keeps `x`); the mean is the sum divided
/// by the number of histograms, or — where that sum overflows — the incremental mean.
struct HistogramSummation {
    private var total: FloatHistogram?
    private var inputs: [FloatHistogram] = []
    private var count = (s: 0.0, c: 0.0)
    private var zero = (s: 0.0, c: 0.0)
    private var sum = (s: 0.0, c: 0.0)
    /// A "reset" and a "not reset" hint met (Prometheus warns about conflicting counter resets).
    private(set) var counterResetCollision = false
    /// Custom bounds differed and were reduced to the common ones (Prometheus informs).
    private(set) var customBoundsReconciled = false
    /// Exponential and custom buckets met: there is no result.
    private(set) var incompatible = false

    /// Histograms added so far.
    var n: Int { inputs.count }

    /// Adds `h`.
    mutating func add(_ h: FloatHistogram) {
        inputs.append(h)
        if incompatible { return }
        (count.s, count.c) = KahanSum.inc(h.count, count.s, count.c)
        (zero.s, zero.c) = KahanSum.inc(h.zeroCount, zero.s, zero.c)
        (sum.s, sum.c) = KahanSum.inc(h.sum, sum.s, sum.c)
        guard var t = total else {
            total = h
            return
        }
        do {
            let report = try t.combine(h, subtracting: false)
            counterResetCollision = counterResetCollision || report.counterResetCollision
            customBoundsReconciled = customBoundsReconciled || report.customBoundsReconciled
            total = t
        } catch {
            incompatible = true
        }
    }

    /// The sum, compacted; nil when nothing was added or the histograms are incompatible.
    func result() -> FloatHistogram? {
        guard var t = total, !incompatible else { return nil }
        t.count = count.s + count.c
        t.sum = sum.s + sum.c
        // A zero bucket widened by a later operand folded buckets into it: keep what the
        // combination computed then.
        if t.zeroThreshold == inputs.first?.zeroThreshold && inputs.allSatisfy({ $0.zeroThreshold == t.zeroThreshold }) {
            t.zeroCount = zero.s + zero.c
        }
        return t.compacted(maxEmptyBuckets: 0)
    }

    /// The mean, compacted; nil as `result()`.
    func mean() -> FloatHistogram? {
        guard let t = result() else { return nil }
        let n = Double(inputs.count)
        let direct = t.divided(by: n)
        if Self.isFinite(t) || !inputs.allSatisfy(Self.isFinite) { return direct }
        // The running sum overflowed although every input is finite: incremental mean.
        var mean = inputs[0]
        var k = 1.0
        for h in inputs.dropFirst() {
            k += 1
            let left = h.divided(by: k)
            var toAdd = left
            do {
                _ = try toAdd.combine(mean.divided(by: k), subtracting: true)
                _ = try mean.combine(toAdd, subtracting: false)
            } catch {
                return nil
            }
        }
        mean.counterResetHint = direct.counterResetHint
        // Fields whose compensated sum did not overflow are exact as sum / n.
        if t.count.isFinite { mean.count = direct.count }
        if t.sum.isFinite { mean.sum = direct.sum }
        return mean.compacted(maxEmptyBuckets: 0)
    }

    private static func isFinite(_ h: FloatHistogram) -> Bool {
        h.count.isFinite && h.sum.isFinite && h.zeroCount.isFinite
            && h.positiveBuckets.allSatisfy(\.isFinite) && h.negativeBuckets.allSatisfy(\.isFinite)
    }
}
