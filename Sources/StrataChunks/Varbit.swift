import StrataModel

/// Prometheus's "varbit" integer encoding (`tsdb/chunkenc/varbit.go`), which the histogram chunks
/// use for timestamps, counts, bucket deltas and the layout: a unary prefix of up to eight 1-bits
/// (ended by a 0 unless all eight are set) chooses the payload width.
///
/// | prefix | payload bits | signed range | unsigned range |
/// | --- | --- | --- | --- |
/// | `0` | 0 | 0 | 0 |
/// | `10` | 3 | −3…4 | ≤ 7 |
/// | `110` | 6 | −31…32 | ≤ 63 |
/// | `1110` | 9 | −255…256 | ≤ 511 |
/// | `11110` | 12 | −2047…2048 | ≤ 4095 |
/// | `111110` | 18 | −131071…131072 | ≤ 262143 |
/// | `1111110` | 25 | −16777215…16777216 | ≤ 33554431 |
/// | `11111110` | 56 | −(2⁵⁵−1)…2⁵⁵ | < 2⁵⁶ |
/// | `11111111` | 64 | anything | anything |
enum Varbit {
    /// Payload widths for prefixes of 1…8 one-bits (`0` alone means the value 0).
    static let widths = [3, 6, 9, 12, 18, 25, 56, 64]

    /// Writes `value` in the signed varbit encoding (`putVarbitInt`).
    static func putInt(_ w: inout BitWriter, _ value: Int64) {
        if value == 0 {
            w.write(0, 1)
            return
        }
        for (i, width) in widths.enumerated() {
            if width == 64 || XORChunk.fits(value, Int64(width)) {
                // Prefix: i+1 one-bits then a zero, except the all-ones 8-bit prefix.
                let ones = i + 1
                if ones == 8 {
                    w.write(0xff, 8)
                } else {
                    w.write((UInt64(1) << UInt64(ones + 1)) - 2, ones + 1)
                }
                w.write(UInt64(bitPattern: value), width)
                return
            }
        }
    }

    /// Writes `value` in the unsigned varbit encoding (`putVarbitUint`).
    static func putUint(_ w: inout BitWriter, _ value: UInt64) {
        if value == 0 {
            w.write(0, 1)
            return
        }
        for (i, width) in widths.enumerated() where width == 64 || value.leadingZeroBitCount >= 64 - width {
            let ones = i + 1
            if ones == 8 {
                w.write(0xff, 8)
            } else {
                w.write((UInt64(1) << UInt64(ones + 1)) - 2, ones + 1)
            }
            w.write(value, width)
            return
        }
    }

    /// The payload width the prefix at the reader's position announces; nil at end of data.
    private static func readWidth(_ r: inout BitReader) -> Int? {
        var ones = 0
        while ones < 8 {
            guard let bit = r.readBit() else { return nil }
            if !bit { break }
            ones += 1
        }
        return ones == 0 ? 0 : widths[ones - 1]
    }

    /// Reads a signed varbit value (`readVarbitInt`); nil at end of data.
    static func readInt(_ r: inout BitReader) -> Int64? {
        guard let width = readWidth(&r) else { return nil }
        if width == 0 { return 0 }
        guard var bits = r.read(width) else { return nil }
        if width < 64 && bits > (UInt64(1) << UInt64(width - 1)) {
            bits = bits &- (UInt64(1) << UInt64(width))
        }
        return Int64(bitPattern: bits)
    }

    /// Reads an unsigned varbit value (`readVarbitUint`); nil at end of data.
    static func readUint(_ r: inout BitReader) -> UInt64? {
        guard let width = readWidth(&r) else { return nil }
        if width == 0 { return 0 }
        return r.read(width)
    }
}

/// Prometheus's Gorilla XOR encoding of one float against the previous one (`xorWrite` /
/// `xorRead`), with its own window: the histogram chunks keep one window per field.
struct XORWindow: Sendable, Equatable {
    /// Leading zeros of the window, or `XORChunk.noWindow` before the first one.
    var leading: UInt8 = XORChunk.noWindow
    /// Trailing zeros of the window.
    var trailing: UInt8 = 0

    /// Writes `value` XORed with `previous`, exactly as Prometheus's `xorWrite` (which always
    /// reuses a window the XOR fits in), so Strata's histogram chunks are byte-identical to
    /// Prometheus's.
    mutating func write(_ w: inout BitWriter, _ value: Double, previous: Double) {
        let delta = value.bitPattern ^ previous.bitPattern
        if delta == 0 {
            w.write(0, 1)
            return
        }
        w.write(1, 1)
        let lead = UInt8(min(delta.leadingZeroBitCount, 31))
        let trail = UInt8(delta.trailingZeroBitCount)
        if leading != XORChunk.noWindow && lead >= leading && trail >= trailing {
            w.write(0, 1)
            w.write(delta >> UInt64(trailing), 64 - Int(leading) - Int(trailing))
            return
        }
        leading = lead
        trailing = trail
        let significant = 64 - Int(lead) - Int(trail)
        w.write(1, 1)
        w.write(UInt64(lead), 5)
        w.write(UInt64(significant & 0x3f), 6)
        w.write(delta >> UInt64(trail), significant)
    }

    /// Reads a value written by `write` after `previous`; nil at end of data.
    mutating func read(_ r: inout BitReader, previous: Double) -> Double? {
        guard let changed = r.readBit() else { return nil }
        if !changed { return previous }
        guard let newWindow = r.readBit() else { return nil }
        if newWindow {
            guard let lead = r.read(5), let sig = r.read(6) else { return nil }
            let significant = sig == 0 ? 64 : Int(sig)
            guard Int(lead) + significant <= 64 else { return nil }
            leading = UInt8(lead)
            trailing = UInt8(64 - Int(lead) - significant)
        } else if leading == XORChunk.noWindow {
            // Prometheus's reader starts from a zero window; a '10' before any window means all 64 bits.
            leading = 0
            trailing = 0
        }
        let significant = 64 - Int(leading) - Int(trailing)
        guard significant > 0, let bits = r.read(significant) else { return nil }
        return Double(bitPattern: previous.bitPattern ^ (bits << UInt64(trailing)))
    }
}
