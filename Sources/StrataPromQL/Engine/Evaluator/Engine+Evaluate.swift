import StrataModel

extension Engine {
    /// Evaluates a parsed expression over `[start, end]` at `step` (0 for an instant query).
    func evaluate(
        _ expr: Expr, start: Int64, end: Int64, step: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
        let ctx = EvalContext(options: options, storage: storage, tenant: tenant, queryStart: start, queryEnd: end)
        try ctx.checkInterrupted()
        if case .string(let s) = expr.unwrapped {
            return QueryResult(value: .string(t: start, value: s.value), annotations: ctx.annotations)
        }
        let instant = step == 0
        if !instant { Self.warnAboutSorting(expr, &ctx.annotations) }
        let evaluator = Evaluator(start: start, end: end, interval: instant ? 1 : step, ctx: ctx)
        var mat = try await evaluator.eval(expr)
        mat = try removeDroppedNames(mat)
        try ctx.checkInterrupted()
        let value: QueryValue
        if instant {
            switch expr.type {
            case .scalar:
                value = .scalar(t: start, f: mat.first?.floats.first?.f ?? .nan)
            case .matrix:
                mat.sort { $0.metric < $1.metric }
                value = .matrix(mat)
            default:
                value = .vector(mat.compactMap { s in
                    if let p = s.floats.first { return VectorSample(metric: s.metric, t: start, f: p.f) }
                    return s.histograms.first.map { VectorSample(metric: s.metric, t: start, h: $0.h) }
                })
            }
        } else {
            mat.removeAll { $0.isEmpty }
            mat.sort { $0.metric < $1.metric }
            value = .matrix(mat)
        }
        let resolutions = ctx.resolutionsRead.sorted(by: >)
        if resolutions.contains(where: { $0 > 0 }) {
            ctx.annotations.info("downsampled data was read (resolutions: \(resolutions.map(SourceResolution.name).joined(separator: ", ")))",
                                 at: nil)
        }
        return QueryResult(value: value, annotations: ctx.annotations, samplesLoaded: ctx.samplesLoaded, resolutions: resolutions)
    }

    /// Prometheus 3's delayed name removal, applied to the result: series flagged `dropName`
    /// lose `__name__`; series that end up with equal labels are merged, which is an error if
    /// both have a point at the same time.
    func removeDroppedNames(_ mat: Matrix) throws(QueryError) -> Matrix {
        var mat = mat
        var changed = false
        for i in mat.indices where mat[i].dropName {
            mat[i].metric = mat[i].metric.droppingMetadata()
            mat[i].dropName = false
            changed = true
        }
        guard changed, mat.count > 1 else { return mat }
        var index: [Labels: Int] = [:]
        index.reserveCapacity(mat.count)
        var merged = Matrix()
        merged.reserveCapacity(mat.count)
        var mergedAny = false
        for s in mat {
            if let i = index[s.metric] {
                merged[i].floats.append(contentsOf: s.floats)
                merged[i].histograms.append(contentsOf: s.histograms)
                mergedAny = true
            } else {
                index[s.metric] = merged.count
                merged.append(s)
            }
        }
        guard mergedAny else { return mat }
        for i in merged.indices {
            merged[i].floats.sort { $0.t < $1.t }
            let f = merged[i].floats
            for j in f.indices.dropFirst() where f[j].t == f[j - 1].t {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
            guard !merged[i].histograms.isEmpty else { continue }
            merged[i].histograms.sort { $0.t < $1.t }
            let h = merged[i].histograms
            for j in h.indices.dropFirst() where h[j].t == h[j - 1].t {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
            let floatTimes = Set(f.map(\.t))
            if h.contains(where: { floatTimes.contains($0.t) }) {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
        }
        return merged
    }

    /// Range query results are always ordered by labels, so Prometheus warns about every
    /// sorting function in one.
    static func warnAboutSorting(_ expr: Expr, _ annotations: inout Annotations) {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector: return
        case .subquery(let s): warnAboutSorting(s.expr, &annotations)
        case .paren(let p): warnAboutSorting(p.expr, &annotations)
        case .unary(let u): warnAboutSorting(u.expr, &annotations)
        case .binary(let b):
            warnAboutSorting(b.lhs, &annotations)
            warnAboutSorting(b.rhs, &annotations)
        case .aggregate(let a):
            if let p = a.param { warnAboutSorting(p, &annotations) }
            warnAboutSorting(a.expr, &annotations)
        case .call(let c):
            switch c.function.name {
            case "sort", "sort_desc", "sort_by_label", "sort_by_label_desc":
                annotations.warn("sort is ineffective for range queries since results are always ordered by labels", at: c.position)
            default: break
            }
            for arg in c.args { warnAboutSorting(arg, &annotations) }
        }
    }
}
