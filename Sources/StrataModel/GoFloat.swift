/// Formats floats byte-for-byte as Go's `strconv.FormatFloat(v, fmt, -1, 64)` does.
///
/// Prometheus and Mimir print floats with Go's shortest round-trip formatting in three layouts:
/// `%v` in messages and config dumps, `'f'` in `count_values` labels, and a mix in API JSON.
/// Matching them exactly keeps Strata's texts and label values identical to theirs.
public enum GoFloat {
    /// Which Go layout to produce.
    public enum Style: Sendable {
        /// `'g'` (`%v`): exponent form when the decimal exponent is < -4 or >= 6 — `1e+06`, `1.5e-05`.
        case shortest
        /// `'f'`: never an exponent — `1000000`, `0.000015`.
        case fixed
        /// `'e'`: always an exponent — `1e+06`, `1.5e-05`.
        case exponent
        /// Prometheus API JSON values: `'f'` unless `|v| < 1e-6` or `|v| >= 1e21`, then `'e'`.
        case prometheusJSON
    }

    /// `value` in the given layout; `NaN`, `+Inf` and `-Inf` as Go prints them.
    public static func format(_ value: Double, _ style: Style) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 {
            let zero = style == .exponent ? "0e+00" : "0"
            return value.sign == .minus ? "-" + zero : zero
        }
        let sign = value < 0 ? "-" : ""
        let (digits, pointPosition) = decimalDigits(value.magnitude)
        let decimalExponent = pointPosition - 1
        let useExponent: Bool
        switch style {
        case .shortest: useExponent = decimalExponent < -4 || decimalExponent >= 6
        case .fixed: useExponent = false
        case .exponent: useExponent = true
        case .prometheusJSON:
            let a = value.magnitude
            useExponent = a < 1e-6 || a >= 1e21
        }
        if useExponent {
            var out = sign + String(digits[0])
            if digits.count > 1 { out += "." + String(digits[1...]) }
            let magnitude = abs(decimalExponent)
            out += (decimalExponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
            return out
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count)
        }
        return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }

    /// The shortest round-tripping significant digits of a positive finite `v` and the position
    /// of the decimal point relative to them (`123.4` → `1234`, 3).
    static func decimalDigits(_ v: Double) -> (digits: [Character], pointPosition: Int) {
        // Swift's description is already the shortest round-tripping digit string; only the
        // layout differs from Go's.
        let text = v.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = pieces[0]
        let fractionPart = pieces.count > 1 ? pieces[1] : ""
        var digits = Array(integerPart + fractionPart)
        var pointPosition = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return (["0"], 1) }
        return (digits, pointPosition)
    }
}
