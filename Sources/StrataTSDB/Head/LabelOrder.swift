#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrataModel

/// Byte-wise ordering of label sets, the order blocks store series in: the same order as
/// `Labels.<`, computed with `memcmp` over contiguous UTF-8 instead of a generic sequence
/// comparison (sorting a head's series for a cut is a few million comparisons).
enum LabelOrder {
    /// True when `a` sorts before `b`.
    static func less(_ a: Labels, _ b: Labels) -> Bool {
        let n = Swift.min(a.count, b.count)
        return a.storage.withUnsafeBufferPointer { x in
            b.storage.withUnsafeBufferPointer { y in
                for i in 0..<n {
                    let names = compare(x[i].name, y[i].name)
                    if names != 0 { return names < 0 }
                    let values = compare(x[i].value, y[i].value)
                    if values != 0 { return values < 0 }
                }
                return a.count < b.count
            }
        }
    }

    /// Negative, zero or positive as `a` sorts before, equal to or after `b` byte-wise.
    @inline(__always)
    static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Int in
                let common = Swift.min(x.count, y.count)
                if common > 0, let p = x.baseAddress, let q = y.baseAddress, p != q {
                    let c = memcmp(p, q, common)
                    if c != 0 { return Int(c) }
                }
                return x.count - y.count
            }
        }
        if let r = fast ?? nil { return r }
        // Bridged or otherwise non-contiguous strings: the generic comparison.
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}
