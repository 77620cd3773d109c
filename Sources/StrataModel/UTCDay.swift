/// A calendar day in UTC, counted from the Unix epoch (1970-01-01 is day 0).
///
/// The unit of the cardinality history and of the query log of metric names: both keep one entry
/// per tenant per UTC day and name it `yyyy-mm-dd`. Plain arithmetic (Howard Hinnant's
/// civil-from-days), so no calendar or time zone database is involved.
public struct UTCDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let number: Int64

    /// Milliseconds in a day.
    public static let milliseconds: Int64 = 86_400_000

    /// The day `number` days after 1970-01-01.
    public init(number: Int64) {
        self.number = number
    }

    /// The UTC day holding the Unix time `ms` (milliseconds).
    public init(milliseconds ms: Int64) {
        // Floor division, so -1 ms is 1969-12-31.
        let q = ms / Self.milliseconds
        number = (ms % Self.milliseconds < 0) ? q - 1 : q
    }

    /// Parses `yyyy-mm-dd` (four-digit year, a real calendar date); nil otherwise.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                let c = utf8[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(c - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10), (1...12).contains(m), d >= 1 else { return nil }
        guard d <= Self.daysInMonth(year: y, month: m) else { return nil }
        number = Self.daysFromCivil(year: y, month: m, day: d)
    }

    /// The first millisecond of the day.
    public var startMilliseconds: Int64 { number * Self.milliseconds }

    /// The day after `n` days (negative: before).
    public func adding(days n: Int64) -> UTCDay { UTCDay(number: number + n) }

    /// `yyyy-mm-dd`.
    public var description: String {
        let (y, m, d) = Self.civil(fromDays: number)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func < (a: UTCDay, b: UTCDay) -> Bool { a.number < b.number }

    /// Year, month (1–12) and day (1–31) of a day number.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The day number of a calendar date.
    static func daysFromCivil(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(year y: Int64, month m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
