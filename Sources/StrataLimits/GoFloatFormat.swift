/// Formats `value` as Go's `%v` does (`strconv.FormatFloat(v, 'g', -1, 64)`): `10000`, `0.5`,
/// `1e+06`, `1.5e-05`, `+Inf`, `NaN`.
///
/// Mimir's messages and `-print.config` print float limits with `%v`; printing them the same way
/// keeps Strata's texts byte-identical to Mimir's (e.g. the ingestion rate limit error).
public func formatGoFloat(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
    if value == 0 { return value.sign == .minus ? "-0" : "0" }
    let sign = value < 0 ? "-" : ""

    // Swift's description is already the shortest round-tripping digit string; only the layout
    // differs from Go's. Split it into digits and the decimal point position.
    let text = String(value.magnitude.description)
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
    if digits.isEmpty { return "0" }

    let decimalExponent = pointPosition - 1
    if decimalExponent < -4 || decimalExponent >= 6 {
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
