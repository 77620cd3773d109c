import StrataModel
import StrataPromQL

/// The `data` object of `/query` and `/query_range` responses.
extension JSONWriter {
    /// Appends `{"resultType":…,"result":…}` for `value`.
    ///
    /// Vectors and matrices use Prometheus's stream encoding (timestamps as seconds with three
    /// millisecond digits, values in quotes); scalars and strings use their Go `MarshalJSON`
    /// (timestamp as a shortest float, scalar value without exponent), as Prometheus does.
    mutating func queryData(_ value: QueryValue) {
        raw("{\"resultType\":\"")
        switch value {
        case .scalar(let t, let f):
            raw("scalar\",\"result\":[")
            goFloatSeconds(t)
            byte(UInt8(ascii: ","))
            byte(UInt8(ascii: "\""))
            goFloat(f, exponentOutsideJSONRange: false)
            byte(UInt8(ascii: "\""))
            byte(UInt8(ascii: "]"))
        case .string(let t, let s):
            raw("string\",\"result\":[")
            goFloatSeconds(t)
            byte(UInt8(ascii: ","))
            string(s)
            byte(UInt8(ascii: "]"))
        case .vector(let vector):
            raw("vector\",\"result\":[")
            for (i, sample) in vector.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                raw("{\"metric\":")
                labels(sample.metric, dropName: sample.dropName)
                if let h = sample.h {
                    raw(",\"histogram\":")
                    histogramPoint(t: sample.t, h: h)
                } else {
                    raw(",\"value\":")
                    point(t: sample.t, f: sample.f)
                }
                byte(UInt8(ascii: "}"))
            }
            byte(UInt8(ascii: "]"))
        case .matrix(let matrix):
            raw("matrix\",\"result\":[")
            for (i, series) in matrix.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                raw("{\"metric\":")
                labels(series.metric, dropName: series.dropName)
                // Prometheus leaves `values` out of a series without float points.
                if !series.floats.isEmpty {
                    raw(",\"values\":[")
                    var first = true
                    for p in series.floats {
                        if !first { byte(UInt8(ascii: ",")) }
                        first = false
                        point(t: p.t, f: p.f)
                    }
                    byte(UInt8(ascii: "]"))
                }
                // And `histograms` out of one without histogram points.
                if !series.histograms.isEmpty {
                    raw(",\"histograms\":[")
                    for (j, p) in series.histograms.enumerated() {
                        if j > 0 { byte(UInt8(ascii: ",")) }
                        histogramPoint(t: p.t, h: p.h)
                    }
                    byte(UInt8(ascii: "]"))
                }
                byte(UInt8(ascii: "}"))
            }
            byte(UInt8(ascii: "]"))
        }
        byte(UInt8(ascii: "}"))
    }

    /// A millisecond time as Go's JSON encoder prints `float64(t)/1000`.
    private mutating func goFloatSeconds(_ t: Int64) {
        goFloat(Double(t) / 1000, exponentOutsideJSONRange: true)
    }
}
