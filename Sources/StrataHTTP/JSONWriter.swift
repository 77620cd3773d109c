import NIOCore
import StrataModel

/// Appends JSON to a `ByteBuffer` byte for byte as Prometheus's API encoder writes it.
///
/// Query results can hold millions of points, so they are written directly rather than
/// through `Codable`: no intermediate dictionaries, and numbers and timestamps formatted
/// straight into the buffer.
struct JSONWriter {
    /// The JSON written so far.
    var buffer: ByteBuffer

    /// A writer over a fresh buffer of `capacity` bytes.
    init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends literal JSON text (punctuation, keys known to need no escaping).
    @inline(__always)
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { _ = buffer.writeBytes($0) }
    }

    /// Appends one literal byte.
    @inline(__always)
    mutating func byte(_ b: UInt8) {
        buffer.writeInteger(b)
    }

    /// Appends a quoted JSON string.
    ///
    /// `htmlSafe` escapes `<`, `>`, `&`, U+2028 and U+2029 as Go's standard encoder does for
    /// struct fields (errors, warnings, name lists); Prometheus writes result label sets
    /// through its stream writer, which leaves them as they are. Both escape `"`, `\` and
    /// control characters, `\n`, `\r` and `\t` short and the others as `\u00XX`.
    mutating func string(_ s: String, htmlSafe: Bool = true) {
        byte(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            let count = utf8.count
            while i < count {
                let b = utf8[i]
                var escape: StaticString? = nil
                var hexEscape = false
                var extra = 0
                switch b {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0..<0x20: hexEscape = true
                case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"): hexEscape = htmlSafe
                case 0xE2 where htmlSafe && i + 2 < count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    // U+2028 / U+2029 break JavaScript string literals.
                    escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    extra = 2
                default: break
                }
                if escape == nil && !hexEscape {
                    i += 1
                    continue
                }
                if runStart < i { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[runStart..<i])) }
                if let escape {
                    raw(escape)
                } else {
                    raw("\\u00")
                    byte(Self.hexDigits[Int(b >> 4)])
                    byte(Self.hexDigits[Int(b & 0xF)])
                }
                i += 1 + extra
                runStart = i
            }
            if runStart < count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[runStart..<count])) }
        }
        byte(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a decimal integer.
    @inline(__always)
    mutating func int(_ v: Int64) {
        if v < 0 {
            byte(UInt8(ascii: "-"))
            // Magnitude avoids overflow on Int64.min.
            unsigned(v.magnitude)
        } else {
            unsigned(UInt64(v))
        }
    }

    private mutating func unsigned(_ v: UInt64) {
        if v < 10 {
            byte(UInt8(ascii: "0") &+ UInt8(v))
        } else {
            // Up to 20 digits: a small string, formatted without a heap allocation.
            buffer.writeString(String(v))
        }
    }

    /// Appends a millisecond timestamp as Prometheus does: seconds, then `.` and exactly three
    /// digits of milliseconds when there are any (`1.5` s is written `1.500`).
    @inline(__always)
    mutating func timestamp(_ ms: Int64) {
        var t = ms
        if t < 0 {
            byte(UInt8(ascii: "-"))
            t = t == Int64.min ? Int64.max : -t
        }
        unsigned(UInt64(t / 1000))
        let fraction = t % 1000
        if fraction != 0 {
            byte(UInt8(ascii: "."))
            byte(UInt8(ascii: "0") &+ UInt8(fraction / 100))
            byte(UInt8(ascii: "0") &+ UInt8(fraction / 10 % 10))
            byte(UInt8(ascii: "0") &+ UInt8(fraction % 10))
        }
    }

    /// Appends a sample value as a quoted string in Prometheus's layout: Go's shortest
    /// round-trip digits, without an exponent unless `|v| < 1e-6` or `|v| >= 1e21`; `NaN`,
    /// `+Inf`, `-Inf`.
    @inline(__always)
    mutating func sampleValue(_ v: Double) {
        byte(UInt8(ascii: "\""))
        // Counters and gauges are mostly integers: print those without going through strings.
        if v == v.rounded(.towardZero), v.magnitude < 1e15, !(v == 0 && v.sign == .minus) {
            int(Int64(v))
        } else {
            goFloat(v, exponentOutsideJSONRange: true)
        }
        byte(UInt8(ascii: "\""))
    }

    /// Appends `v` as Go's `strconv.FormatFloat(v, 'f', -1, 64)`, or with
    /// `exponentOutsideJSONRange` in `'e'` layout when `|v| < 1e-6` or `|v| >= 1e21` (how
    /// Prometheus writes sample values).
    ///
    /// Works on the bytes of Swift's shortest round-trip `description`, which has the same
    /// digits as Go's; only the layout is rearranged, without building intermediate strings.
    mutating func goFloat(_ v: Double, exponentOutsideJSONRange: Bool) {
        if v.isNaN { raw("NaN"); return }
        if v.isInfinite {
            if v < 0 { raw("-Inf") } else { raw("+Inf") }
            return
        }
        if v.sign == .minus { byte(UInt8(ascii: "-")) }
        if v == 0 { byte(UInt8(ascii: "0")); return }
        let magnitude = v.magnitude
        var text = magnitude.description
        text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
                // Split "123.45e-7" into its significant digits and the position of the point.
                var count = 0
                var pointPosition = 0
                var seenPoint = false
                var exponent = 0
                var i = 0
                while i < utf8.count {
                    let c = utf8[i]
                    if c == UInt8(ascii: ".") {
                        seenPoint = true
                    } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                        var j = i + 1
                        var negative = false
                        if j < utf8.count, utf8[j] == UInt8(ascii: "-") || utf8[j] == UInt8(ascii: "+") {
                            negative = utf8[j] == UInt8(ascii: "-")
                            j += 1
                        }
                        while j < utf8.count {
                            exponent = exponent * 10 + Int(utf8[j] &- UInt8(ascii: "0"))
                            j += 1
                        }
                        if negative { exponent = -exponent }
                        break
                    } else {
                        if count == 0 && c == UInt8(ascii: "0") {
                            // A leading zero moves the point left instead of being a digit.
                            if seenPoint { pointPosition -= 1 }
                        } else if count < 32 {
                            digits[count] = c
                            count += 1
                            if !seenPoint { pointPosition += 1 }
                        }
                    }
                    i += 1
                }
                while count > 1 && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
                pointPosition += exponent
                let useExponent = exponentOutsideJSONRange && (magnitude < 1e-6 || magnitude >= 1e21)
                if useExponent {
                    byte(digits[0])
                    if count > 1 {
                        byte(UInt8(ascii: "."))
                        for k in 1..<count { byte(digits[k]) }
                    }
                    let e = pointPosition - 1
                    byte(UInt8(ascii: "e"))
                    byte(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                    let absE = e < 0 ? -e : e
                    if absE < 10 { byte(UInt8(ascii: "0")) }
                    int(Int64(absE))
                } else if pointPosition <= 0 {
                    byte(UInt8(ascii: "0"))
                    byte(UInt8(ascii: "."))
                    for _ in 0 ..< -pointPosition { byte(UInt8(ascii: "0")) }
                    for k in 0..<count { byte(digits[k]) }
                } else if pointPosition >= count {
                    for k in 0..<count { byte(digits[k]) }
                    for _ in 0 ..< pointPosition - count { byte(UInt8(ascii: "0")) }
                } else {
                    for k in 0..<pointPosition { byte(digits[k]) }
                    byte(UInt8(ascii: "."))
                    for k in pointPosition..<count { byte(digits[k]) }
                }
            }
        }
    }

    /// Appends `[t,"v"]`.
    @inline(__always)
    mutating func point(t: Int64, f: Double) {
        byte(UInt8(ascii: "["))
        timestamp(t)
        byte(UInt8(ascii: ","))
        sampleValue(f)
        byte(UInt8(ascii: "]"))
    }

    /// Appends a label set as an object in label-name order, leaving out `__name__` when
    /// `dropName` (Prometheus 3 removes it only as the result leaves the engine).
    mutating func labels(_ labels: Labels, dropName: Bool = false) {
        byte(UInt8(ascii: "{"))
        var first = true
        for label in labels {
            if dropName && label.name == metricNameLabel { continue }
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            string(label.name, htmlSafe: false)
            byte(UInt8(ascii: ":"))
            string(label.value, htmlSafe: false)
        }
        byte(UInt8(ascii: "}"))
    }

    /// Appends a JSON array of strings.
    mutating func stringArray(_ values: some Sequence<String>) {
        byte(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            string(v)
        }
        byte(UInt8(ascii: "]"))
    }
}
