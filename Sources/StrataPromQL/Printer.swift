import StrataModel

/// Prints an AST in Prometheus's canonical `String()` form: `sum by (job) (rate(x[5m]))`,
/// `a + on (b) group_left (c) d`, `x @ 100.000 offset 5m`.
struct Printer {
    var out = ""

    mutating func write(_ expr: Expr) {
        switch expr {
        case .number(let n):
            if n.isDuration, let d = exactDuration(n.value) {
                out += GoDuration.format(d)
            } else {
                out += formatNumber(n.value)
            }
        case .string(let s):
            out += s.invalidUTF8.map { goQuote(bytes: $0) } ?? goQuote(s.value)
        case .vectorSelector(let vs):
            writeSelector(vs)
            writeModifiers(at: vs.at, offset: vs.offset)
        case .matrixSelector(let ms):
            writeSelector(ms.vectorSelector)
            out += "[" + GoDuration.format(ms.range) + "]"
            writeModifiers(at: ms.vectorSelector.at, offset: ms.vectorSelector.offset)
        case .subquery(let sq):
            write(sq.expr)
            out += "[" + GoDuration.format(sq.range) + ":"
            if sq.step != .zero { out += GoDuration.format(sq.step) }
            out += "]"
            writeModifiers(at: sq.at, offset: sq.offset)
        case .paren(let p):
            out += "("
            write(p.expr)
            out += ")"
        case .unary(let u):
            out += u.op.rawValue
            write(u.expr)
        case .binary(let b):
            if b.op == .pow, case .number(let n) = b.lhs, n.value == .infinity {
                // `+Inf ^ x` would read back as `+(Inf ^ x)`.
                out += "Inf"
            } else {
                write(b.lhs)
            }
            out += " " + b.op.rawValue
            if b.returnBool { out += " bool" }
            if let m = b.matching,
               m.on || !m.matchingLabels.isEmpty || m.cardinality == .manyToOne || m.cardinality == .oneToMany {
                out += (m.on ? " on (" : " ignoring (") + labelList(m.matchingLabels) + ")"
                if m.cardinality == .manyToOne || m.cardinality == .oneToMany {
                    out += (m.cardinality == .manyToOne ? " group_left (" : " group_right (") + labelList(m.include) + ")"
                }
            }
            out += " "
            write(b.rhs)
        case .aggregate(let a):
            out += a.op.rawValue
            if a.without {
                out += " without (" + labelList(a.grouping) + ") "
            } else if !a.grouping.isEmpty {
                out += " by (" + labelList(a.grouping) + ") "
            }
            out += "("
            if let param = a.param {
                write(param)
                out += ", "
            }
            write(a.expr)
            out += ")"
        case .call(let c):
            out += c.function.name + "("
            for (i, arg) in c.args.enumerated() {
                if i > 0 { out += ", " }
                write(arg)
            }
            out += ")"
        }
    }

    private mutating func writeSelector(_ vs: VectorSelector) {
        var rest = vs.matchers
        var inside: [String] = []
        if let name = vs.name {
            if let i = rest.firstIndex(where: { $0.name == "__name__" && $0.type == .equal && $0.value == name }) {
                rest.remove(at: i)
            }
            if isLegacyMetricName(name) {
                out += name
            } else {
                inside.append(goQuote(name))
            }
        }
        for m in rest {
            inside.append(labelName(m.name) + m.type.description + goQuote(m.value))
        }
        if !inside.isEmpty || vs.name == nil || !isLegacyMetricName(vs.name ?? "") {
            out += "{" + inside.joined(separator: ", ") + "}"
        }
    }

    private mutating func writeModifiers(at: AtModifier?, offset: Duration) {
        switch at {
        case .none: break
        case .start: out += " @ start()"
        case .end: out += " @ end()"
        case .timestamp(let ms): out += " @ " + formatMilliseconds(ms)
        }
        if offset != .zero { out += " offset " + GoDuration.format(offset) }
    }

    private func labelList(_ labels: [String]) -> String {
        labels.map(labelName).joined(separator: ", ")
    }

    private func labelName(_ name: String) -> String {
        isLegacyLabelName(name) ? name : goQuote(name)
    }

    private func exactDuration(_ seconds: Double) -> Duration? {
        let ms = seconds * 1000
        guard ms.isFinite, ms == ms.rounded(), abs(ms) < 9.2e15 else { return nil }
        return .milliseconds(Int64(ms))
    }
}

/// `ms / 1000` with exactly three decimals, as Prometheus prints `@` timestamps.
func formatMilliseconds(_ ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let m = ms.magnitude
    let frac = String(m % 1000)
    return sign + String(m / 1000) + "." + String(repeating: "0", count: 3 - frac.count) + frac
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
func isLegacyMetricName(_ s: String) -> Bool {
    guard let first = s.utf8.first, isAlpha(first) || first == UInt8(ascii: ":") else { return false }
    return s.utf8.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: ":") } && !isKeywordLike(s)
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
func isLegacyLabelName(_ s: String) -> Bool {
    guard let first = s.utf8.first, isAlpha(first) else { return false }
    return s.utf8.allSatisfy(isAlphaNumeric)
}

/// Names that would lex as a number when printed bare.
private func isKeywordLike(_ s: String) -> Bool {
    let lower = s.lowercased()
    return lower == "inf" || lower == "nan"
}

/// Formats a float as Go's `fmt.Sprint` (`%v`, shortest `%g`) does, as Prometheus prints number
/// literals: shortest round-tripping digits, exponent form when the decimal exponent is below -4
/// or at least 6 (`1e+06`, `1.5e-05`), `+Inf`, `-Inf`, `NaN`.
func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    // Swift's description also gives the shortest round-tripping digits; re-layout them.
    let desc = v.magnitude.description
    var digits = ""
    var exponent = 0
    var mantissa = Substring(desc)
    if let e = desc.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(desc[desc.index(after: e)...]) ?? 0
        mantissa = desc[..<e]
    }
    var pointIndex = mantissa.count
    if let dot = mantissa.firstIndex(of: ".") {
        pointIndex = mantissa.distance(from: mantissa.startIndex, to: dot)
    }
    digits = mantissa.filter { $0 != "." }
    // Normalise: strip leading zeros (adjusting the point) and trailing zeros.
    var decimalPoint = pointIndex + exponent
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        decimalPoint -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    let exp10 = decimalPoint - 1
    let sign = v < 0 ? "-" : ""
    if exp10 < -4 || exp10 >= 6 {
        var m = String(digits.prefix(1))
        if digits.count > 1 { m += "." + digits.dropFirst() }
        let absExp = abs(exp10)
        return sign + m + "e" + (exp10 < 0 ? "-" : "+") + (absExp < 10 ? "0" : "") + String(absExp)
    }
    if decimalPoint <= 0 {
        return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
    }
    if decimalPoint >= digits.count {
        return sign + digits + String(repeating: "0", count: decimalPoint - digits.count)
    }
    let i = digits.index(digits.startIndex, offsetBy: decimalPoint)
    return sign + digits[..<i] + "." + digits[i...]
}
