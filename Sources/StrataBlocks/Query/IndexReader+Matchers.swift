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

extension IndexReader {
    /// Smallest range worth planning for a postings list: its length and CRC fields.
    static let minimumPostingsRange = 8

    /// The byte ranges of the postings lists `postings(matching:)` reads for `matchers`, sorted
    /// by offset, so a remote reader can fetch them all before decoding.
    ///
    /// A list is assumed to run to the start of the next list in table order (Prometheus writes
    /// postings in that order), the last one to the label offset table. If a file is laid out
    /// differently the range is short, the decoder reports the missing bytes, and the reader
    /// fetches them: a wrong plan costs a request, never a wrong answer.
    public func postingsRanges(matching matchers: [LabelMatcher]) -> [Range<Int>] {
        if matchers.isEmpty { return [] }
        var ranges: [Range<Int>] = []
        var hasPositive = false
        for m in matchers {
            let rejectsEmpty = !m.matchesEmpty
            guard let entry = postingsTable[m.name] else {
                // A matcher that needs a value of a label the block lacks selects nothing.
                if rejectsEmpty { return [] }
                continue
            }
            var selected = 0
            if !rejectsEmpty {
                for (i, v) in entry.values.enumerated() where !m.matches(v) {
                    ranges.append(postingsRange(name: m.name, index: i, entry: entry))
                }
                continue
            }
            if let exact = m.setMatches {
                for v in exact {
                    guard let i = Self.search(entry.values, v) else { continue }
                    ranges.append(postingsRange(name: m.name, index: i, entry: entry))
                    selected += 1
                }
            } else {
                for (i, v) in entry.values.enumerated() where m.matches(v) {
                    ranges.append(postingsRange(name: m.name, index: i, entry: entry))
                    selected += 1
                }
            }
            if selected == 0 { return [] }
            hasPositive = true
        }
        if !hasPositive, let all = allPostingsOffset {
            let next = labelNames.first.flatMap { postingsTable[$0]?.offsets.first }
            ranges.append(all..<listEnd(start: all, next: next))
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var unique: [Range<Int>] = []
        unique.reserveCapacity(ranges.count)
        for r in ranges where unique.last?.lowerBound != r.lowerBound { unique.append(r) }
        return unique
    }

    /// The planned range of the `index`-th value's list of label `name`.
    private func postingsRange(name: String, index: Int, entry: ValueOffsets) -> Range<Int> {
        let start = entry.offsets[index]
        var next: Int? = nil
        if index + 1 < entry.offsets.count {
            next = entry.offsets[index + 1]
        } else if let pos = Self.search(labelNames, name), pos + 1 < labelNames.count {
            next = postingsTable[labelNames[pos + 1]]?.offsets.first
        }
        return start..<listEnd(start: start, next: next)
    }

    private func listEnd(start: Int, next: Int?) -> Int {
        let tableStart = Int(clamping: toc.labelIndicesTable)
        let bound = tableStart > start && tableStart <= source.size ? tableStart : source.size
        let end = min(next ?? bound, bound)
        return end > start ? end : min(source.size, start + Self.minimumPostingsRange)
    }

    /// The same index over another byte source of the same file: the parsed symbols and
    /// postings offset table are shared, reads go to `source`. A remote reader opens the index
    /// once and gives each query its own source holding the ranges that query fetched.
    public func replacingSource(_ source: any BlockByteSource) throws(BlockError) -> IndexReader {
        guard source.size == self.source.size else {
            throw .invalidInput(reason: "replacement source \(source.name) has \(source.size) bytes, the index has \(self.source.size)")
        }
        return IndexReader(copying: self, source: source)
    }

    private init(copying other: IndexReader, source: any BlockByteSource) {
        self.source = source
        toc = other.toc
        symbols = other.symbols
        postingsTable = other.postingsTable
        labelNames = other.labelNames
        allPostingsOffset = other.allPostingsOffset
    }
}
