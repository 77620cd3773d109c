import StrataModel

/// Functions about scalars and time: `time`, `pi`, `vector`, `scalar`, `timestamp`.
///
/// Scalar-returning functions answer with a one-element vector with empty labels, which the
/// engine turns into a scalar.
enum ScalarFunctions {
    /// `time()`: the step time in seconds.
    static let time: FunctionImplementation = { _, enh, _ throws(QueryError) in
        single(Double(enh.ts) / 1000, &enh)
    }

    /// `pi()`
    static let pi: FunctionImplementation = { _, enh, _ throws(QueryError) in
        single(Double.pi, &enh)
    }

    /// `vector(s)`: the scalar as a vector with no labels.
    static let vector: FunctionImplementation = { args, enh, _ throws(QueryError) in
        single(FunctionSupport.scalar(args, 0), &enh)
    }

    /// `scalar(v)`: the value of the only element, NaN unless there is exactly one.
    static let scalar: FunctionImplementation = { args, enh, _ throws(QueryError) in
        // The one float sample's value; histograms are ignored, as in Prometheus.
        var value = Double.nan
        var found = false
        for s in FunctionSupport.vector(args, 0) where s.h == nil {
            if found { return single(.nan, &enh) }
            found = true
            value = s.f
        }
        return single(value, &enh)
    }

    /// `timestamp(v)`: each sample's own time in seconds.
    static let timestamp: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let input = FunctionSupport.vector(args, 0)
        enh.out.removeAll(keepingCapacity: true)
        for s in input {
            enh.out.append(VectorSample(metric: s.metric, t: enh.ts, f: Double(s.t) / 1000, dropName: true))
        }
        return enh.out
    }

    /// A one-element result with empty labels.
    @inlinable
    static func single(_ f: Double, _ enh: inout EvalNodeHelper) -> Vector {
        enh.out.removeAll(keepingCapacity: true)
        enh.out.append(VectorSample(metric: .empty, t: enh.ts, f: f))
        return enh.out
    }
}
