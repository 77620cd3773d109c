import StrataModel

extension IndexReader {
    /// Series references matching every matcher, with Prometheus semantics: a missing label has
    /// the empty value, so a matcher that accepts `""` also selects series without the label.
    ///
    /// Matchers that reject `""` select the union of the postings of the values they accept.
    /// Matchers that accept `""` are applied as a subtraction of the values they reject. If no
    /// matcher rejects `""`, the start set is every series. An empty matcher list selects nothing.
    public func postings(matching matchers: [LabelMatcher]) throws(BlockError) -> [SeriesRef] {
        if matchers.isEmpty { return [] }
        var positive: [[SeriesRef]] = []
        var negative: [[SeriesRef]] = []
        for m in matchers {
            if m.matchesEmpty {
                negative.append(try postings(name: m.name) { !m.matches($0) })
            } else if let exact = m.setMatches {
                var lists: [[SeriesRef]] = []
                for v in exact { lists.append(try postings(name: m.name, value: v)) }
                let p = Postings.union(lists)
                if p.isEmpty { return [] }
                positive.append(p)
            } else {
                let p = try postings(name: m.name) { m.matches($0) }
                if p.isEmpty { return [] }
                positive.append(p)
            }
        }
        // Smallest first keeps every intersection step as cheap as possible.
        positive.sort { $0.count < $1.count }
        var result = positive.isEmpty ? try allPostings() : positive[0]
        for p in positive.dropFirst() {
            if result.isEmpty { return [] }
            result = Postings.intersect(result, p)
        }
        if !negative.isEmpty { result = Postings.subtract(result, Postings.union(negative)) }
        return result
    }
}
