import Foundation

/// A time given on the command line as Prometheus's API takes it: Unix seconds with an optional
/// fraction (`1700000000.5`) or RFC 3339 (`2026-12-01T10:00:00Z`, `…+01:00`). Checked here so a
/// typo is a usage error before anything is sent; the text is sent as it was written.
struct TimeArgument: Sendable, Equatable {
    /// The text as given.
    let text: String
    /// The time in ms since the epoch.
    let milliseconds: Int64

    /// Parses `text`; nil when it is neither form.
    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, abs(seconds) < 9e12 {
            self.text = trimmed
            milliseconds = Int64((seconds * 1000).rounded())
            return
        }
        guard let ms = Self.rfc3339(trimmed) else { return nil }
        self.text = trimmed
        milliseconds = ms
    }

    /// RFC 3339 with optional fractional seconds, `Z` or a numeric offset.
    static func rfc3339(_ s: String) -> Int64? {
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: s) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    /// The usage error for text that is not a time.
    static func invalid(_ option: String, _ text: String) -> String {
        "\(option) \"\(text)\" is not a time: use Unix seconds (1700000000) or RFC 3339 (2026-12-01T10:00:00Z)"
    }
}
