/// Parsing and printing of durations the way Prometheus and Mimir write them in flags and YAML:
/// `10m`, `1h30m`, `500ms`, `0s`, `2d`, `1w`, `1y`, a bare `0`, and Go's `1.5h`, `250us`, `10ns`.
///
/// Prometheus's `model.Duration` (limits, retention) and Go's `time.Duration` (most flags) accept
/// overlapping syntaxes; one parser for the union means an operator can copy a value from Mimir's
/// docs into either kind of setting. Units must appear from biggest to smallest, each at most once,
/// as Prometheus requires (`1s1h` is refused, where Go would take it).
public enum GoDuration {
    private struct Unit {
        let name: String
        let nanoseconds: UInt64
        /// Position from the biggest unit: later units must have a greater rank.
        let rank: Int
    }

    // Longest names first, so `ms` is tried before `m` and `s`.
    private static let units: [Unit] = [
        Unit(name: "ms", nanoseconds: 1_000_000, rank: 7),
        Unit(name: "us", nanoseconds: 1_000, rank: 8),
        Unit(name: "µs", nanoseconds: 1_000, rank: 8),  // U+00B5 micro sign
        Unit(name: "μs", nanoseconds: 1_000, rank: 8),  // U+03BC Greek mu
        Unit(name: "ns", nanoseconds: 1, rank: 9),
        Unit(name: "y", nanoseconds: 365 * 86_400 * 1_000_000_000, rank: 1),
        Unit(name: "w", nanoseconds: 7 * 86_400 * 1_000_000_000, rank: 2),
        Unit(name: "d", nanoseconds: 86_400 * 1_000_000_000, rank: 3),
        Unit(name: "h", nanoseconds: 3_600 * 1_000_000_000, rank: 4),
        Unit(name: "m", nanoseconds: 60 * 1_000_000_000, rank: 5),
        Unit(name: "s", nanoseconds: 1_000_000_000, rank: 6),
    ]

    /// Parses `text`, or returns nil when it is not a duration (see `parseThrowing(_:)` for why).
    public static func parse(_ text: String) -> Duration? {
        try? parseThrowing(text)
    }

    /// Parses `text`; throws `GoDurationError` with Prometheus's wording for malformed input.
    ///
    /// A leading `-` is accepted (Go allows it) so callers that must refuse negative durations
    /// check the result themselves.
    public static func parseThrowing(_ text: String) throws(GoDurationError) -> Duration {
        if text.isEmpty { throw .empty }
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        // Prometheus and Go both allow a bare zero without a unit.
        if rest == "0" { return .zero }
        if rest.isEmpty { throw .invalid(text) }

        var total: UInt64 = 0
        var lastRank = 0
        while !rest.isEmpty {
            let intDigits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(intDigits.count)
            var fracDigits: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fracDigits = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fracDigits.count)
            }
            if intDigits.isEmpty && fracDigits.isEmpty { throw .invalid(text) }

            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            if unitText.isEmpty { throw .invalid(text) }
            guard let unit = units.first(where: { $0.name == unitText }) else {
                throw .unknownUnit(unit: String(unitText), duration: text)
            }
            rest = rest.dropFirst(unitText.count)
            if unit.rank <= lastRank { throw .invalid(text) }
            lastRank = unit.rank

            guard let whole = UInt64(intDigits.isEmpty ? "0" : intDigits) else { throw .outOfRange(text) }
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: unit.nanoseconds)
            if overflow { throw .outOfRange(text) }
            var part = scaled
            if !fracDigits.isEmpty {
                // Go's approach: accumulate the fraction at most to nanosecond precision.
                var scale = unit.nanoseconds
                var fraction: UInt64 = 0
                for digit in fracDigits.utf8 {
                    if scale < 10 { break }
                    scale /= 10
                    fraction += UInt64(digit - UInt8(ascii: "0")) * scale
                }
                let (withFraction, fractionOverflow) = part.addingReportingOverflow(fraction)
                if fractionOverflow { throw .outOfRange(text) }
                part = withFraction
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(part)
            if sumOverflow || sum > UInt64(Int64.max) { throw .outOfRange(text) }
            total = sum
        }
        let nanos = Int64(total)
        return .nanoseconds(negative ? -nanos : nanos)
    }

    /// Prints `duration` as Prometheus's `model.Duration` does: `0s`, `10m`, `1h30m`, `2d`, `1w`.
    ///
    /// Years and weeks are used only when they divide the whole duration (so `90d`, not
    /// `12w6d`). Sub-millisecond remainders, which Prometheus cannot hold, print as `us`/`ns` so
    /// that `parse(format(d)) == d` for every duration.
    public static func format(_ duration: Duration) -> String {
        let nanos = totalNanoseconds(duration)
        if nanos == 0 { return "0s" }
        var out = nanos < 0 ? "-" : ""
        var rest = nanos.magnitude
        let msPerDay: UInt64 = 86_400_000
        let exactOnly: [(String, UInt64)] = [("y", 365 * msPerDay * 1_000_000), ("w", 7 * msPerDay * 1_000_000)]
        for (name, size) in exactOnly where rest % size == 0 {
            out += "\(rest / size)\(name)"
            return out
        }
        let ordered: [(String, UInt64)] = [
            ("d", msPerDay * 1_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
            ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
        ]
        for (name, size) in ordered {
            let count = rest / size
            if count > 0 {
                out += "\(count)\(name)"
                rest -= count * size
            }
        }
        return out
    }

    /// Prints `duration` as Go's `time.Duration.String()` does: `10m0s`, `1h30m0s`, `500ms`, `0s`.
    ///
    /// Mimir prints flags of Go duration type this way in `-print.config` and `/config`.
    public static func formatGo(_ duration: Duration) -> String {
        let nanos = totalNanoseconds(duration)
        if nanos == 0 { return "0s" }
        let sign = nanos < 0 ? "-" : ""
        let u = nanos.magnitude
        if u < 1_000_000_000 {
            // Below a second Go picks the largest unit that keeps an integer part.
            let (unit, size): (String, UInt64) = u < 1_000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            return sign + decimal(u, scale: size) + unit
        }
        var out = sign
        let hours = u / 3_600_000_000_000
        let minutes = (u / 60_000_000_000) % 60
        let secondsNanos = u % 60_000_000_000
        if hours > 0 { out += "\(hours)h" }
        if hours > 0 || minutes > 0 { out += "\(minutes)m" }
        out += decimal(secondsNanos, scale: 1_000_000_000) + "s"
        return out
    }

    /// `value / scale` with the fraction's trailing zeros removed (`1500, 1000` → `1.5`).
    private static func decimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        let fraction = value % scale
        if fraction == 0 { return "\(whole)" }
        var width = 0
        var s = scale
        while s > 1 { s /= 10; width += 1 }
        var digits = String(fraction)
        digits = String(repeating: "0", count: width - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    public static func totalNanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? .min : .max }
        return sum
    }
}

/// Why a duration string was refused; the texts are Prometheus's.
public enum GoDurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string was empty.
    case empty
    /// Malformed: no number, no unit, or units out of order.
    case invalid(String)
    /// A unit that is none of `y w d h m s ms us µs ns`.
    case unknownUnit(unit: String, duration: String)
    /// Longer than about 292 years (the range of Go's `time.Duration`).
    case outOfRange(String)

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .empty: return "empty duration string"
        case .invalid(let s): return "not a valid duration string: \(quoteLabelValue(s))"
        case .unknownUnit(let unit, let s): return "unknown unit \(quoteLabelValue(unit)) in duration \(quoteLabelValue(s))"
        case .outOfRange(let s): return "duration out of range: \(quoteLabelValue(s))"
        }
    }
}
