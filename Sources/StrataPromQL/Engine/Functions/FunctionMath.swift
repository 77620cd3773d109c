import StrataModel

/// Float helpers that reproduce Go and Prometheus arithmetic exactly.
enum FunctionMath {
    /// Kahan–Neumaier compensated summation, step by step as Prometheus's `kahanSumInc`, so that
    /// sums and means over windows equal upstream's to the last bit.
    @inlinable
    static func kahanSumInc(_ inc: Double, _ sum: Double, _ c: Double) -> (sum: Double, c: Double) {
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

    /// Go's `math.Max`: NaN wins unless the other operand is +Inf, and +0 beats -0.
    @inlinable
    static func goMax(_ x: Double, _ y: Double) -> Double {
        if x == .infinity || y == .infinity { return .infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && x == y { return x.sign == .minus ? y : x }
        return x > y ? x : y
    }

    /// Go's `math.Min`: NaN wins unless the other operand is -Inf, and -0 beats +0.
    @inlinable
    static func goMin(_ x: Double, _ y: Double) -> Double {
        if x == -.infinity || y == -.infinity { return -.infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && x == y { return x.sign == .minus ? x : y }
        return x < y ? x : y
    }

    /// Go's `%f`: six decimals, `NaN`, `+Inf`, `-Inf`.
    static func goFixed6(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let negative = v < 0 || (v == 0 && v.sign == .minus)
        let a = v.magnitude
        guard a < 9e9 else {
            // Beyond this the shortest form has at most a few decimals; pad them to six.
            let text = GoFloat.format(v, .fixed)
            let parts = text.split(separator: ".", maxSplits: 1)
            let decimals = parts.count > 1 ? String(parts[1].prefix(6)) : ""
            return String(parts[0]) + "." + decimals + String(repeating: "0", count: 6 - decimals.count)
        }
        let scaled = (a * 1e6).rounded(.toNearestOrEven)
        let whole = Int64(scaled) / 1_000_000
        let frac = Int64(scaled) % 1_000_000
        var fracText = String(frac)
        fracText = String(repeating: "0", count: 6 - fracText.count) + fracText
        return (negative ? "-" : "") + String(whole) + "." + fracText
    }
}
