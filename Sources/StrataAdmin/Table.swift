import Foundation

/// A table for people: upper-case headers, columns padded to their widest cell and two spaces
/// apart, numeric columns right-aligned (as `kubectl get` and `docker ps` print).
public struct Table: Sendable, Equatable {
    /// Column titles.
    public var headers: [String]
    /// Rows of cells; a short row is padded with empty cells.
    public var rows: [[String]]
    /// What is printed under the headers when there are no rows.
    public var emptyText: String

    /// Creates a table.
    public init(headers: [String], rows: [[String]] = [], emptyText: String = "(none)") {
        self.headers = headers
        self.rows = rows
        self.emptyText = emptyText
    }

    /// Whether every non-empty cell of column `i` is a number (then it is right-aligned).
    func isNumeric(_ column: Int) -> Bool {
        var sawNumber = false
        for row in rows where column < row.count && !row[column].isEmpty {
            guard Table.looksNumeric(row[column]) else { return false }
            sawNumber = true
        }
        return sawNumber
    }

    /// Numbers as tables show them: `12`, `-3.5`, `1.2e+06`, `45.0%`, `12.3 MiB`.
    static func looksNumeric(_ cell: String) -> Bool {
        var text = Substring(cell)
        if text.hasSuffix("%") { text = text.dropLast() }
        for unit in [" B", " KiB", " MiB", " GiB", " TiB", "s"] where text.hasSuffix(unit) {
            text = text.dropLast(unit.count)
            break
        }
        return Double(text) != nil
    }

    /// The text, one line per row, each ending with a newline.
    public func render() -> String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        let titles = (0..<columns).map { $0 < headers.count ? headers[$0].uppercased() : "" }
        var widths = titles.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        let numeric = (0..<columns).map(isNumeric)
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for i in 0..<columns {
                let cell = i < cells.count ? cells[i] : ""
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(numeric[i] ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        var out = line(titles)
        if rows.isEmpty { return out + emptyText + "\n" }
        for row in rows { out += line(row) }
        return out
    }
}

/// Formats for cells.
enum Format {
    /// `1.5 KiB`, `12.0 MiB`: sizes in binary units with one decimal.
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A Unix time in milliseconds as UTC RFC 3339 (`2026-12-01T10:00:00Z`, milliseconds when not whole).
    static func time(milliseconds ms: Int64) -> String {
        let seconds = ms.floorDivided(by: 1000)
        let millis = ms - seconds * 1000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return base + (millis == 0 ? "Z" : String(format: ".%03dZ", Int(millis)))
    }

    /// A Unix time in (fractional) seconds as UTC RFC 3339.
    static func time(seconds: Double) -> String {
        time(milliseconds: Int64((seconds * 1000).rounded()))
    }

    /// A duration in ms as `2h0m0s`-style text (Prometheus's), `0s` for zero.
    static func duration(milliseconds ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = abs(ms)
        var out = ms < 0 ? "-" : ""
        let days = rest / 86_400_000
        rest %= 86_400_000
        let hours = rest / 3_600_000
        rest %= 3_600_000
        let minutes = rest / 60_000
        rest %= 60_000
        if days > 0 { out += "\(days)d" }
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if rest > 0 { out += rest % 1000 == 0 ? "\(rest / 1000)s" : String(format: "%.3fs", Double(rest) / 1000) }
        return out
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
