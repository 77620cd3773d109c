import StrataModel

/// `sort`, `sort_desc`, `sort_by_label`, `sort_by_label_desc`: reorder an instant vector.
/// Values and labels are unchanged, so the name stays.
enum SortFunctions {
    /// `sort(v)`: ascending by value, NaN last.
    static let sort: FunctionImplementation = { args, _, _ throws(QueryError) in
        // Histograms have no order by value: Prometheus leaves them out.
        var v = FunctionSupport.vector(args, 0).filter { $0.h == nil }
        // Upstream's "before" test: `a` goes before `b` when `b` is NaN or larger.
        goOrder(&v) { a, b in b.f.isNaN || b.f > a.f }
        return v
    }

    /// `sort_desc(v)`: descending by value, NaN last.
    static let sortDesc: FunctionImplementation = { args, _, _ throws(QueryError) in
        var v = FunctionSupport.vector(args, 0).filter { $0.h == nil }
        goOrder(&v) { a, b in b.f.isNaN || b.f < a.f }
        return v
    }

    /// `sort_by_label(v, label...)`: natural order of the given labels' values, then by the
    /// whole label set so the order is total.
    static let sortByLabel: FunctionImplementation = { args, _, _ throws(QueryError) in
        byLabel(args, descending: false)
    }

    /// `sort_by_label_desc(v, label...)`
    static let sortByLabelDesc: FunctionImplementation = { args, _, _ throws(QueryError) in
        byLabel(args, descending: true)
    }

    /// Shared body of `sort_by_label` and `sort_by_label_desc`.
    static func byLabel(_ args: FunctionArgs, descending: Bool) -> Vector {
        var names: [String] = []
        if args.exprs.count > 1 {
            for i in 1..<args.exprs.count { names.append(FunctionSupport.string(args, i)) }
        }
        var v = FunctionSupport.vector(args, 0)
        v.sort { a, b in
            for name in names {
                let x = a.metric[name] ?? "", y = b.metric[name] ?? ""
                if x == y { continue }
                return NaturalOrder.precedes(x, y) != descending
            }
            return descending ? b.metric < a.metric : a.metric < b.metric
        }
        return v
    }

    /// Orders `v` as Go's `sort.Sort` does with upstream's comparators, which treat two NaNs
    /// as each going before the other. Up to 12 elements Go runs an insertion sort, reproduced
    /// here exactly (equal values keep their order, NaNs end up reversed); beyond that the
    /// order of ties is an artefact of Go's pdqsort, and a stable sort is used instead.
    static func goOrder(_ v: inout Vector, before: (VectorSample, VectorSample) -> Bool) {
        if v.count <= 12 {
            var i = 1
            while i < v.count {
                var j = i
                while j > 0 && before(v[j], v[j - 1]) {
                    v.swapAt(j, j - 1)
                    j -= 1
                }
                i += 1
            }
            return
        }
        // A strict weak order for the stable sort: NaN after every number, NaNs equal.
        var indexed = Array(v.enumerated())
        indexed.sort { x, y in
            let a = x.element.f, b = y.element.f
            if a.isNaN || b.isNaN {
                if a.isNaN == b.isNaN { return x.offset < y.offset }
                return b.isNaN
            }
            if before(x.element, y.element) && !before(y.element, x.element) { return true }
            if before(y.element, x.element) && !before(x.element, y.element) { return false }
            return x.offset < y.offset
        }
        v = indexed.map(\.element)
    }
}

/// The natural string order Prometheus uses for `sort_by_label` (digit runs compare as numbers).
enum NaturalOrder {
    /// Splits into alternating runs of ASCII digits and non-digits.
    static func chunks(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var start = s.startIndex
        var inDigits: Bool?
        for i in s.indices {
            let d = s[i].isASCII && s[i].isNumber
            if let current = inDigits, current != d {
                out.append(s[start..<i])
                start = i
            }
            inDigits = d
        }
        if start < s.endIndex { out.append(s[start...]) }
        return out
    }

    /// True when `a` comes before `b`, mirroring the chunk comparison upstream uses: numeric
    /// chunks compare as integers, others byte-wise; when all shared chunks are equal, the
    /// string that runs out of chunks first comes first.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let ca = chunks(a), cb = chunks(b)
        for i in 0..<ca.count {
            if i >= cb.count { return false }
            if let x = Int(ca[i]), let y = Int(cb[i]) {
                if x == y {
                    if i == ca.count - 1 { return true }
                    if i == cb.count - 1 { return false }
                    continue
                }
                return x < y
            }
            if ca[i] == cb[i] {
                if i == ca.count - 1 { return true }
                if i == cb.count - 1 { return false }
                continue
            }
            return ca[i].utf8.lexicographicallyPrecedes(cb[i].utf8)
        }
        return false
    }
}
