/// Kahan–Neumaier compensated summation, step by step as Prometheus's `kahanSumInc`, so that
/// sums and means over windows equal upstream's to the last bit.
@inlinable
func kahanSumInc(_ inc: Double, _ sum: Double, _ c: Double) -> (sum: Double, c: Double) {
    let t = sum + inc
    var c = c
    if t.isInfinite {
        c = 0
    } else if sum.magnitude >= inc.magnitude {
        c += (sum - t) + inc
    } else {
        c += (inc - t) + sum
    }
    return (t, c)
}
