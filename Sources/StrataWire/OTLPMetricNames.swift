/// How OTLP metric and attribute names become Prometheus names (Prometheus's `otlptranslator`,
/// per-tenant `otel_translation_strategy`).
public enum OTLPTranslationStrategy: String, Sendable, Equatable, CaseIterable {
    /// Invalid characters become `_`, and unit and type suffixes (`_seconds`, `_total`, …) are
    /// added. Prometheus's and Strata's default.
    case underscoreEscapingWithSuffixes = "UnderscoreEscapingWithSuffixes"
    /// Names are kept as sent (UTF-8), with the same suffixes added.
    case noUTF8EscapingWithSuffixes = "NoUTF8EscapingWithSuffixes"
}

/// The kind of Prometheus metric a translated OTLP metric becomes; it decides the suffixes.
package enum OTLPMetricKind {
    case gauge
    case counter
    case histogram
    case summary
}

/// Metric and label names by Prometheus's OTLP translation rules.
package enum OTLPMetricNames {
    /// UCUM units → Prometheus unit words (Prometheus's `unitMap`).
    static let units: [String: String] = [
        "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
        "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
        "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
        "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
        "Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
    ]
    /// UCUM units after `/` → Prometheus "per" words (Prometheus's `perUnitMap`).
    static let perUnits: [String: String] = [
        "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
    ]

    /// The Prometheus metric name of OTLP metric `name` with `unit`, translated as `kind`.
    package static func metricName(_ name: String, unit: String, kind: OTLPMetricKind, strategy: OTLPTranslationStrategy) -> String {
        let (main, per) = unitWords(unit)
        switch strategy {
        case .underscoreEscapingWithSuffixes:
            // Tokens of [a-zA-Z0-9:]; every other run of characters (underscores included)
            // separates tokens, so `a..b__c` becomes `a_b_c`.
            var tokens = name.split(whereSeparator: { !isNameChar($0) }).map(String.init)
            if !main.isEmpty, !tokens.contains(main) { tokens.append(main) }
            if !per.isEmpty, !tokens.contains(per) { tokens.append(contentsOf: ["per", per]) }
            if kind == .counter {
                tokens.removeAll { $0 == "total" }
                tokens.append("total")
            }
            if unit == "1", kind == .gauge {
                tokens.removeAll { $0 == "ratio" }
                tokens.append("ratio")
            }
            var out = tokens.joined(separator: "_")
            if let first = out.utf8.first, first >= 0x30, first <= 0x39 { out = "_" + out }
            return out
        case .noUTF8EscapingWithSuffixes:
            var out = name
            if !main.isEmpty, !out.hasSuffix("_" + main) { out += "_" + main }
            if !per.isEmpty, !out.hasSuffix("_per_" + per) { out += "_per_" + per }
            if kind == .counter, !out.hasSuffix("_total") { out += "_total" }
            if unit == "1", kind == .gauge, !out.hasSuffix("_ratio") { out += "_ratio" }
            return out
        }
    }

    /// A label name from an attribute key: under `UnderscoreEscapingWithSuffixes` every
    /// character outside `[a-zA-Z0-9_]` becomes `_`, a leading digit gets `key_` and a single
    /// leading underscore gets `key` in front (Prometheus's `NormalizeLabel`); the UTF-8 strategy
    /// keeps keys as sent.
    package static func labelName(_ key: String, strategy: OTLPTranslationStrategy) -> String {
        guard strategy == .underscoreEscapingWithSuffixes, !key.isEmpty else { return key }
        var bytes = Array(key.utf8)
        // Map per Unicode scalar, so a multi-byte character becomes one `_`.
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for scalar in key.unicodeScalars {
            if scalar.isASCII, let b = UInt8(exactly: scalar.value), isLabelByte(b) { out.append(b) } else { out.append(UInt8(ascii: "_")) }
        }
        bytes = out
        var s = String(decoding: bytes, as: UTF8.self)
        if let first = bytes.first, first >= 0x30, first <= 0x39 {
            s = "key_" + s
        } else if bytes.first == UInt8(ascii: "_"), bytes.count < 2 || bytes[1] != UInt8(ascii: "_") {
            s = "key" + s
        }
        return s
    }

    /// The unit words of a UCUM unit: `ms` → (`milliseconds`, ""), `By/s` → (`bytes`, `second`).
    /// Annotations in braces (`{request}`) are dropped; unknown units are kept, cleaned of
    /// characters a name cannot hold.
    static func unitWords(_ unit: String) -> (main: String, per: String) {
        let parts = unit.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let mainRaw = parts.first ?? ""
        let perRaw = parts.count > 1 ? parts[1] : ""
        var main = ""
        if !mainRaw.contains("{") { main = cleanUnit(units[mainRaw] ?? mainRaw) }
        var per = ""
        if !perRaw.contains("{") { per = cleanUnit(perUnits[perRaw] ?? perRaw) }
        return (main, per)
    }

    /// A unit word with characters outside `[a-zA-Z0-9:]` turned into `_` and outer `_` trimmed.
    private static func cleanUnit(_ word: String) -> String {
        let mapped = String(word.map { isNameChar($0) ? $0 : "_" })
        var s = Substring(mapped)
        while s.first == "_" { s = s.dropFirst() }
        while s.last == "_" { s = s.dropLast() }
        return String(s)
    }

    private static func isNameChar(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        return (a >= 0x61 && a <= 0x7a) || (a >= 0x41 && a <= 0x5a) || (a >= 0x30 && a <= 0x39) || a == 0x3a
    }

    private static func isLabelByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f
    }
}
