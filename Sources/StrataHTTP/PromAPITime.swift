import StrataModel

/// Timestamps, durations and limits of Prometheus API parameters, with Prometheus's error texts.
enum PromAPITime {
    /// Prometheus's `MinTime`: the earliest time its API can print (year -292273086), in ms.
    static let minTime: Int64 = (Int64.min / 1000 + 62_135_596_801) * 1000
    /// Prometheus's `MaxTime`: the latest time its API can print (year 292277025), in ms.
    static let maxTime: Int64 = (Int64.max / 1000 - 62_135_596_801) * 1000 + 999
    /// `MinTime` as Prometheus formats it; clients send it back as a `start`.
    static let minTimeFormatted = "-292273086-05-16T16:47:06Z"
    /// `MaxTime` as Prometheus formats it.
    static let maxTimeFormatted = "292277025-08-18T07:12:54.999999999Z"

    /// Why a parameter could not be read; the text is Prometheus's.
    struct Failure: Error, Sendable {
        let message: String
    }

    /// A timestamp given as Unix seconds (float) or RFC 3339, in ms.
    static func parseTime(_ s: String) throws(Failure) -> Int64 {
        if let seconds = goParseFloat(s) {
            // Prometheus rounds the fraction to milliseconds, then builds a Go time from whole
            // seconds and truncated nanoseconds; the same float steps give the same millisecond.
            let whole = seconds.rounded(.towardZero)
            guard whole.magnitude < 9.2e15 else { throw Failure(message: "cannot parse \(goQuote(s)) to a valid timestamp") }
            let fraction = ((seconds - whole) * 1000).rounded() / 1000
            var sec = Int64(whole)
            var nanos = Int64(fraction * 1e9)
            if nanos < 0 {
                sec -= 1
                nanos += 1_000_000_000
            }
            return sec * 1000 + nanos / 1_000_000
        }
        if let ms = parseRFC3339(s) { return ms }
        if s == minTimeFormatted { return minTime }
        if s == maxTimeFormatted { return maxTime }
        throw Failure(message: "cannot parse \(goQuote(s)) to a valid timestamp")
    }

    /// An optional timestamp parameter: `fallback` when empty; errors wrapped as Prometheus's
    /// `parseTimeParam` wraps them.
    static func parseTimeParam(_ value: String, name: String, fallback: Int64) throws(PromAPIError) -> Int64 {
        guard !value.isEmpty else { return fallback }
        do {
            return try parseTime(value)
        } catch {
            throw .invalidParam(name, "invalid time value for '\(name)': \(error.message)")
        }
    }

    /// A duration given as float seconds or as a Prometheus duration (`5m`, `1h30m`), in ns.
    static func parseDuration(_ s: String) throws(Failure) -> Int64 {
        if let seconds = goParseFloat(s) {
            let ns = seconds * 1e9
            guard ns < 9.223372036854775e18, ns > -9.223372036854775e18 else {
                throw Failure(message: "cannot parse \(goQuote(s)) to a valid duration. It overflows int64")
            }
            return ns.isNaN ? 0 : Int64(ns)
        }
        if let ms = parsePrometheusDuration(s) { return ms * 1_000_000 }
        throw Failure(message: "cannot parse \(goQuote(s)) to a valid duration")
    }

    /// `limit`: empty means none (0); otherwise a non-negative integer.
    static func parseLimit(_ s: String) throws(PromAPIError) -> Int {
        guard !s.isEmpty else { return 0 }
        guard let n = Int(s) else {
            let unsigned = s.first == "+" || s.first == "-" ? s.dropFirst() : Substring(s)
            let integerLike = !unsigned.isEmpty && unsigned.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            throw .invalidParam("limit", "strconv.Atoi: parsing \(goQuote(s)): \(integerLike ? "value out of range" : "invalid syntax")")
        }
        guard n >= 0 else { throw .invalidParam("limit", "limit must be non-negative") }
        return n
    }

    /// Go's `strconv.ParseFloat` for the inputs clients send: decimal, exponent, `Inf`, `NaN`.
    static func goParseFloat(_ s: String) -> Double? {
        guard !s.isEmpty, let first = s.utf8.first else { return nil }
        // Swift accepts hex floats and some spellings Go refuses; keep to Go's decimal forms.
        let lower = s.lowercased()
        let unsigned = (first == UInt8(ascii: "+") || first == UInt8(ascii: "-")) ? String(lower.dropFirst()) : lower
        if unsigned == "inf" || unsigned == "infinity" || unsigned == "nan" {
            if unsigned == "nan" { return .nan }
            return first == UInt8(ascii: "-") ? -.infinity : .infinity
        }
        guard unsigned.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
            || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) else { return nil }
        return Double(s)
    }

    /// Prometheus's `model.ParseDuration`: `[0-9]+` followed by a unit, units from `y` down to
    /// `ms` each at most once and in that order; a bare `0`. In ms, nil when invalid or too large.
    static func parsePrometheusDuration(_ s: String) -> Int64? {
        if s == "0" { return 0 }
        let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty else { return nil }
        var i = 0
        var nextUnit = 0
        var total: Int64 = 0
        while i < bytes.count {
            var n: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                guard !o1, !o2 else { return nil }
                n = a
                i += 1
            }
            guard i > start else { return nil }
            var unitEnd = i
            while unitEnd < bytes.count, !(bytes[unitEnd] >= 48 && bytes[unitEnd] <= 57) { unitEnd += 1 }
            let unit = String(decoding: bytes[i..<unitEnd], as: UTF8.self)
            guard let index = units[nextUnit...].firstIndex(where: { $0.0 == unit }) else { return nil }
            let (scaled, o1) = n.multipliedReportingOverflow(by: units[index].1)
            let (sum, o2) = total.addingReportingOverflow(scaled)
            guard !o1, !o2 else { return nil }
            total = sum
            nextUnit = index + 1
            i = unitEnd
        }
        return total
    }

    /// RFC 3339 with optional fraction (Go's `time.RFC3339Nano` layout), in ms (fraction truncated).
    static func parseRFC3339(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              b[7] == UInt8(ascii: "-"), let day = digits(8, 2), b[10] == UInt8(ascii: "T"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b[16] == UInt8(ascii: ":"), let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if i - fracStart < 3 { millis = millis * 10 + Int(b[i] - 48) }
                i += 1
            }
            let n = i - fracStart
            guard n >= 1, n <= 9 else { return nil }
            var scale = n
            while scale < 3 {
                millis *= 10
                scale += 1
            }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
