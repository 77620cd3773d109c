import StrataModel

/// Binary operators on elements where at least one side is a native histogram (Prometheus's
/// `vectorElemBinop` histogram cases): `histogram * float`, `float * histogram` and
/// `histogram / float` scale; `histogram + histogram` and `histogram - histogram` add and
/// subtract (a difference is a gauge); `==` and `!=` compare histograms as filters; every
/// other combination drops the element with an info.
enum HistogramBinaryArithmetic {
    /// The result for one pair: a float or a histogram, and whether the element is kept.
    struct Outcome {
        var f: Double = 0
        var h: FloatHistogram? = nil
        var keep: Bool
        /// The operator does not apply to these operands: no element, even with `bool`.
        var incompatible = false
    }

    static func apply(
        _ op: BinaryOp, _ lf: Double, _ lh: FloatHistogram?, _ rf: Double, _ rh: FloatHistogram?,
        position: PositionRange, _ annotations: inout Annotations
    ) -> Outcome {
        func incompatible(_ l: String, _ r: String) -> Outcome {
            annotations.info("incompatible sample types encountered for binary operator \(quoteLabelValue(op.rawValue)): \(l) \(op.rawValue) \(r)",
                             at: position)
            return Outcome(keep: false, incompatible: true)
        }
        switch (lh, rh) {
        case (nil, nil):
            let (v, keep) = op.apply(lf, rf)
            return Outcome(f: v, keep: keep)
        case (nil, let r?):
            if op == .mul { return Outcome(h: r.multiplied(by: lf).compacted(maxEmptyBuckets: 0), keep: true) }
            return incompatible("float", "histogram")
        case (let l?, nil):
            if op == .mul { return Outcome(h: l.multiplied(by: rf).compacted(maxEmptyBuckets: 0), keep: true) }
            if op == .div { return Outcome(h: l.divided(by: rf).compacted(maxEmptyBuckets: 0), keep: true) }
            return incompatible("histogram", "float")
        case (let l?, let r?):
            switch op {
            case .add, .sub:
                var result = l
                let name = op == .add ? "addition" : "subtraction"
                do {
                    let report = try result.combine(r, subtracting: op == .sub)
                    if report.counterResetCollision {
                        annotations.warn("conflicting counter resets during histogram \(name)", at: position)
                    }
                    if report.customBoundsReconciled { annotations.info(HistogramRangeFunctions.reconciled(name), at: position) }
                } catch {
                    annotations.warn(HistogramRangeFunctions.mixedExponentialCustom(""), at: position)
                    return Outcome(keep: false)
                }
                if op == .sub { result.counterResetHint = .gauge }
                return Outcome(h: result.compacted(maxEmptyBuckets: 0), keep: true)
            case .eql:
                return Outcome(h: l, keep: l.compacted(maxEmptyBuckets: 0).equals(r.compacted(maxEmptyBuckets: 0)))
            case .neq:
                return Outcome(h: l, keep: !l.compacted(maxEmptyBuckets: 0).equals(r.compacted(maxEmptyBuckets: 0)))
            default:
                return incompatible("histogram", "histogram")
            }
        }
    }
}
