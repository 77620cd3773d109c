import StrataModel

/// `label_replace` and `label_join`: rewrite one label of every sample.
///
/// The string arguments are literals, so a sample's output labels depend only on its input
/// labels; they are remembered in `enh.labelCache` and computed once per series, not per step.
enum LabelFunctions {
    /// `label_replace(v, dst, replacement, src, regex)`
    static let labelReplace: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let dst = FunctionSupport.string(args, 1)
        let replacement = FunctionSupport.string(args, 2)
        let src = FunctionSupport.string(args, 3)
        let pattern = FunctionSupport.string(args, 4)
        let regex = try ReplaceRegex.cached(pattern)
        let groups = regex.groupsNeeded(by: replacement)
        guard isValidLabelName(dst) else {
            throw .execution("invalid destination label name in label_replace(): \(dst)")
        }
        let input = FunctionSupport.vector(args, 0)
        enh.out.removeAll(keepingCapacity: true)
        enh.out.reserveCapacity(input.count)
        for var s in input {
            // Renaming `__name__` also revives a name marked for removal, which depends on
            // whether the regex matched, so that case skips the cache.
            if dst != metricNameLabel, let cached = enh.labelCache[s.metric] {
                s.metric = cached
            } else {
                let value = s.metric[src] ?? ""
                var out = s.metric
                if let expanded = regex.replace(value, template: replacement, groups: groups) {
                    out = FunctionSupport.setting(dst, expanded, in: s.metric)
                    if dst == metricNameLabel { s.dropName = false }
                }
                enh.labelCache[s.metric] = out
                s.metric = out
            }
            s.t = enh.ts
            enh.out.append(s)
        }
        return enh.out
    }

    /// `label_join(v, dst, separator, src...)`
    static let labelJoin: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let dst = FunctionSupport.string(args, 1)
        let separator = FunctionSupport.string(args, 2)
        var sources: [String] = []
        if args.exprs.count > 3 {
            for i in 3..<args.exprs.count {
                let src = FunctionSupport.string(args, i)
                guard isValidLabelName(src) else {
                    throw .execution("invalid source label name in label_join(): \(src)")
                }
                sources.append(src)
            }
        }
        guard isValidLabelName(dst) else {
            throw .execution("invalid destination label name in label_join(): \(dst)")
        }
        let input = FunctionSupport.vector(args, 0)
        enh.out.removeAll(keepingCapacity: true)
        enh.out.reserveCapacity(input.count)
        for var s in input {
            let out: Labels
            if let cached = enh.labelCache[s.metric] {
                out = cached
            } else {
                var joined = ""
                for (i, src) in sources.enumerated() {
                    if i > 0 { joined += separator }
                    joined += s.metric[src] ?? ""
                }
                out = FunctionSupport.setting(dst, joined, in: s.metric)
                enh.labelCache[s.metric] = out
            }
            s.metric = out
            if dst == metricNameLabel { s.dropName = false }
            s.t = enh.ts
            enh.out.append(s)
        }
        return enh.out
    }

    /// Prometheus 3 accepts any non-empty UTF-8 label name. The parser turns invalid UTF-8
    /// (`"\xff"`) into U+FFFD, so that character marks a name Go would have rejected.
    static func isValidLabelName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains("\u{FFFD}")
    }
}

/// The regex of `label_replace` with Go's `Regexp.Expand` template semantics, on RE2 (linear
/// time in the value) through the shared byte-bounded ``RegexCache``.
struct ReplaceRegex: Sendable {
    private let regex: RE2Regex

    /// The compiled `pattern` (Prometheus compiles `^(?s:pattern)$`, so `.` also matches
    /// newlines), from the shared cache when it was seen before.
    static func cached(_ pattern: String) throws(QueryError) -> ReplaceRegex {
        do {
            return ReplaceRegex(regex: try RE2Regex.labelReplace(pattern))
        } catch {
            // Prometheus's text names the pattern, not Go's reason.
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
    }

    private init(regex: RE2Regex) { self.regex = regex }

    /// The expansion of `template` when `value` matches; nil when it does not. Like Prometheus,
    /// the first match of `^(?s:pattern)$` is searched (which spans the whole value unless the
    /// pattern itself closes the group early, as `a)|(b` does).
    /// `groups` is ``groupsNeeded(by:)`` of the template: RE2 finds fewer groups faster, and
    /// none at all (match or not) with its DFA alone.
    func replace(_ value: String, template: String, groups needed: Int) -> String? {
        guard let groups = regex.groups(in: value, count: needed) else { return nil }
        let named = regex.namedGroups
        var value = value
        return value.withUTF8 { bytes in
            func text(_ index: Int) -> String {
                guard index < groups.count, let range = groups[index] else { return "" }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            return ReplaceRegex.expand(template) { ref in
                if let index = ref.index { return text(index) }
                // Go: the leftmost group of that name that took part in the match.
                for group in named where group.name == ref.name && group.index < groups.count && groups[group.index] != nil {
                    return text(group.index)
                }
                return ""
            }
        }
    }

    /// How many groups (counting the whole match as 0) `template` can refer to: the highest
    /// group number it names plus one, all of them when it names a group by name, none
    /// without references.
    func groupsNeeded(by template: String) -> Int {
        var needed = 0
        _ = ReplaceRegex.expand(template) { ref in
            if let index = ref.index {
                needed = max(needed, min(index, regex.captureCount) + 1)
            } else {
                needed = regex.captureCount + 1
            }
            return ""
        }
        return needed
    }

    /// Unicode letter categories, as Go's `unicode.IsLetter`.
    private static func isLetter(_ c: Unicode.GeneralCategory) -> Bool {
        switch c {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// A `$1`, `${1}`, `$name` or `${name}` reference of a template.
    struct Reference {
        /// The name as written (`1`, `host`).
        var name: String
        /// The group number when the name is a number without leading zeros.
        var index: Int?
    }

    /// Expands `template` as Go's `Regexp.ExpandString`: `$$` is a dollar, a name is the longest
    /// run of letters, digits and `_` (so `$1x` refers to the group named `1x`), and a `$` that
    /// starts no valid reference stays literal.
    static func expand(_ template: String, _ lookup: (Reference) -> String) -> String {
        var out = ""
        let scalars = Array(template.unicodeScalars)
        var i = 0
        func isNameScalar(_ s: Unicode.Scalar) -> Bool {
            s == "_" || isLetter(s.properties.generalCategory)
                || s.properties.numericType == .decimal
        }
        while i < scalars.count {
            let c = scalars[i]
            guard c == "$" else {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            if i + 1 < scalars.count && scalars[i + 1] == "$" {
                out += "$"
                i += 2
                continue
            }
            var j = i + 1
            let brace = j < scalars.count && scalars[j] == "{"
            if brace { j += 1 }
            let nameStart = j
            while j < scalars.count && isNameScalar(scalars[j]) { j += 1 }
            var valid = j > nameStart
            let name = String(String.UnicodeScalarView(scalars[nameStart..<j]))
            if valid && brace {
                if j < scalars.count && scalars[j] == "}" { j += 1 } else { valid = false }
            }
            guard valid else {
                out += "$"
                i += 1
                continue
            }
            var index: Int? = 0
            for u in name.utf8 {
                guard let current = index, u >= 48 && u <= 57, current < 100_000_000 else {
                    index = nil
                    break
                }
                index = current * 10 + Int(u - 48)
            }
            if name.utf8.count > 1 && name.utf8.first == 48 { index = nil }
            out += lookup(Reference(name: name, index: index))
            i = j
        }
        return out
    }
}
