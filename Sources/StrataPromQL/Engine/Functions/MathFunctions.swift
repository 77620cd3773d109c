#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StrataModel

/// Element-wise math on instant vectors: `abs`, `ceil`, `exp`, trigonometry, `round`, `clamp`, ….
/// Every one of them changes the value, so the name is marked for removal.
enum MathFunctions {
    /// An implementation applying `f` to every sample.
    static func simple(_ f: @escaping @Sendable (Double) -> Double) -> FunctionImplementation {
        { args, enh, _ throws(QueryError) in FunctionSupport.map(args, &enh, f) }
    }

    /// The single-argument functions by name.
    static let unary: [String: FunctionImplementation] = [
        "abs": simple { $0.magnitude },
        "ceil": simple { $0.rounded(.up) },
        "floor": simple { $0.rounded(.down) },
        "exp": simple { exp($0) },
        "sqrt": simple { $0.squareRoot() },
        "ln": simple { log($0) },
        "log2": simple { log2($0) },
        "log10": simple { log10($0) },
        "sgn": simple { v in v < 0 ? -1 : (v > 0 ? 1 : v) },
        "sin": simple { sin($0) },
        "cos": simple { cos($0) },
        "tan": simple { tan($0) },
        "asin": simple { asin($0) },
        "acos": simple { acos($0) },
        "atan": simple { atan($0) },
        "sinh": simple { sinh($0) },
        "cosh": simple { cosh($0) },
        "tanh": simple { tanh($0) },
        "asinh": simple { asinh($0) },
        "acosh": simple { acosh($0) },
        "atanh": simple { atanh($0) },
        "deg": simple { $0 * 180 / Double.pi },
        "rad": simple { $0 * Double.pi / 180 },
    ]

    /// `round(v, to_nearest=1)`: ties round up; the inverse of `to_nearest` is used as upstream
    /// does, which keeps results like `round(x, 0.1)` free of representation noise.
    static let round: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let toNearest = args.vectors.count > 1 ? FunctionSupport.scalar(args, 1) : 1
        let inverse = 1.0 / toNearest
        return FunctionSupport.map(args, &enh) { v in (v * inverse + 0.5).rounded(.down) / inverse }
    }

    /// `clamp(v, min, max)`: nothing when `min > max`.
    static let clamp: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let lo = FunctionSupport.scalar(args, 1), hi = FunctionSupport.scalar(args, 2)
        if hi < lo {
            enh.out.removeAll(keepingCapacity: true)
            return enh.out
        }
        return FunctionSupport.map(args, &enh) { v in FunctionMath.goMax(lo, FunctionMath.goMin(hi, v)) }
    }

    /// `clamp_max(v, max)`
    static let clampMax: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let hi = FunctionSupport.scalar(args, 1)
        return FunctionSupport.map(args, &enh) { v in FunctionMath.goMin(hi, v) }
    }

    /// `clamp_min(v, min)`
    static let clampMin: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let lo = FunctionSupport.scalar(args, 1)
        return FunctionSupport.map(args, &enh) { v in FunctionMath.goMax(lo, v) }
    }
}
