#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension BinaryOp {
    /// `+ - * / % ^ atan2`: operations whose result is no longer the metric, so its name goes.
    var changesMetricSchema: Bool {
        switch self {
        case .add, .sub, .mul, .div, .mod, .pow, .atan2: return true
        default: return false
        }
    }

    /// Applies the operator to two floats as an element of a vector operation: arithmetic
    /// yields its result; a comparison yields `lhs` and whether the pair is kept.
    @inline(__always)
    func apply(_ lhs: Double, _ rhs: Double) -> (value: Double, keep: Bool) {
        switch self {
        case .add: return (lhs + rhs, true)
        case .sub: return (lhs - rhs, true)
        case .mul: return (lhs * rhs, true)
        case .div: return (lhs / rhs, true)
        case .mod: return (libmFmod(lhs, rhs), true)
        case .pow: return (libmPow(lhs, rhs), true)
        case .atan2: return (libmAtan2(lhs, rhs), true)
        case .eql: return (lhs, lhs == rhs)
        case .neq: return (lhs, lhs != rhs)
        case .gtr: return (lhs, lhs > rhs)
        case .lss: return (lhs, lhs < rhs)
        case .gte: return (lhs, lhs >= rhs)
        case .lte: return (lhs, lhs <= rhs)
        case .and, .or, .unless: return (lhs, true)
        }
    }

    /// Applies the operator to two scalars: comparisons yield 1 or 0.
    @inline(__always)
    func applyScalar(_ lhs: Double, _ rhs: Double) -> Double {
        let (v, keep) = apply(lhs, rhs)
        return isComparison ? (keep ? 1 : 0) : v
    }
}

/// C `fmod`: truncated remainder with the dividend's sign, as Go's `math.Mod`.
@inline(__always) func libmFmod(_ a: Double, _ b: Double) -> Double { fmod(a, b) }
/// C `pow`.
@inline(__always) func libmPow(_ a: Double, _ b: Double) -> Double { pow(a, b) }
/// C `atan2`.
@inline(__always) func libmAtan2(_ a: Double, _ b: Double) -> Double { atan2(a, b) }
