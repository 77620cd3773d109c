import Hummingbird
import StrataModel
import StrataPromQL

/// `/format_query`, `/parse_query` and `/status/buildinfo`: answers from the parser and the
/// build alone.
extension PromAPIHandler {
    func formatQuery(_ request: Request, _ params: PromAPIParams) throws(PromAPIError) -> Response {
        let expr = try Self.parseQueryParam(params)
        var json = Self.beginSuccess(capacity: 64)
        json.string(PromQL.format(expr))
        return Self.finishSuccess(json, request: request)
    }

    func parseQuery(_ request: Request, _ params: PromAPIParams) throws(PromAPIError) -> Response {
        let expr = try Self.parseQueryParam(params)
        var json = Self.beginSuccess(capacity: 256)
        json.astNode(expr)
        return Self.finishSuccess(json, request: request)
    }

    func buildInfoResponse(_ request: Request) -> Response {
        var json = Self.beginSuccess(capacity: 256)
        json.raw("{\"version\":")
        json.string(buildInfo.version)
        json.raw(",\"revision\":")
        json.string(buildInfo.revision)
        json.raw(",\"branch\":")
        json.string(buildInfo.branch)
        json.raw(",\"buildUser\":")
        json.string(buildInfo.buildUser)
        json.raw(",\"buildDate\":")
        json.string(buildInfo.buildDate)
        json.raw(",\"goVersion\":")
        json.string(buildInfo.goVersion)
        json.byte(UInt8(ascii: "}"))
        return Self.finishSuccess(json, request: request)
    }

    private static func parseQueryParam(_ params: PromAPIParams) throws(PromAPIError) -> Expr {
        do {
            return try PromQL.parse(params.value("query"))
        } catch {
            throw .invalidParam("query", error.description)
        }
    }
}

/// Prometheus's JSON view of a parsed expression (`/parse_query`, used by its UI's tree view).
///
/// Keys are in alphabetical order because Prometheus builds the objects as Go maps, which its
/// encoder writes sorted.
extension JSONWriter {
    mutating func astNode(_ expr: Expr) {
        switch expr {
        case .aggregate(let a):
            raw("{\"expr\":")
            astNode(a.expr)
            raw(",\"grouping\":")
            stringArray(a.grouping)
            raw(",\"op\":")
            string(a.op.rawValue)
            raw(",\"param\":")
            if let p = a.param { astNode(p) } else { raw("null") }
            raw(",\"type\":\"aggregation\",\"without\":")
            raw(a.without ? "true" : "false")
            byte(UInt8(ascii: "}"))
        case .binary(let b):
            raw("{\"bool\":")
            raw(b.returnBool ? "true" : "false")
            raw(",\"lhs\":")
            astNode(b.lhs)
            raw(",\"matching\":")
            if let m = b.matching {
                raw("{\"card\":")
                switch m.cardinality {
                case .oneToOne: raw("\"one-to-one\"")
                case .manyToOne: raw("\"many-to-one\"")
                case .oneToMany: raw("\"one-to-many\"")
                case .manyToMany: raw("\"many-to-many\"")
                }
                raw(",\"include\":")
                stringArray(m.include)
                raw(",\"labels\":")
                stringArray(m.matchingLabels)
                raw(",\"on\":")
                raw(m.on ? "true" : "false")
                byte(UInt8(ascii: "}"))
            } else {
                raw("null")
            }
            raw(",\"op\":")
            string(b.op.rawValue)
            raw(",\"rhs\":")
            astNode(b.rhs)
            raw(",\"type\":\"binaryExpr\"}")
        case .call(let c):
            raw("{\"args\":[")
            for (i, arg) in c.args.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                astNode(arg)
            }
            raw("],\"func\":{\"argTypes\":")
            stringArray(c.function.argTypes.map(\.internalName))
            raw(",\"name\":")
            string(c.function.name)
            raw(",\"returnType\":")
            string(c.function.returnType.internalName)
            raw(",\"variadic\":")
            int(Int64(c.function.variadic))
            raw("},\"type\":\"call\"}")
        case .matrixSelector(let m):
            let vs = m.vectorSelector
            raw("{\"matchers\":")
            astMatchers(vs)
            raw(",\"name\":")
            string(vs.name ?? "")
            raw(",\"offset\":")
            int(vs.offset.inMilliseconds)
            raw(",\"range\":")
            int(m.range.inMilliseconds)
            astAt(vs.at)
            raw(",\"type\":\"matrixSelector\"}")
        case .subquery(let s):
            raw("{\"expr\":")
            astNode(s.expr)
            raw(",\"offset\":")
            int(s.offset.inMilliseconds)
            raw(",\"range\":")
            int(s.range.inMilliseconds)
            astAt(s.at, stepMs: s.step.inMilliseconds)
            raw(",\"type\":\"subquery\"}")
        case .number(let n):
            raw("{\"type\":\"numberLiteral\",\"val\":")
            string(GoFloat.format(n.value, .fixed))
            byte(UInt8(ascii: "}"))
        case .paren(let p):
            raw("{\"expr\":")
            astNode(p.expr)
            raw(",\"type\":\"parenExpr\"}")
        case .string(let s):
            raw("{\"type\":\"stringLiteral\",\"val\":")
            string(s.value)
            byte(UInt8(ascii: "}"))
        case .unary(let u):
            raw("{\"expr\":")
            astNode(u.expr)
            raw(",\"op\":")
            string(u.op.rawValue)
            raw(",\"type\":\"unaryExpr\"}")
        case .vectorSelector(let vs):
            raw("{\"matchers\":")
            astMatchers(vs)
            raw(",\"name\":")
            string(vs.name ?? "")
            raw(",\"offset\":")
            int(vs.offset.inMilliseconds)
            astAt(vs.at)
            raw(",\"type\":\"vectorSelector\"}")
        }
    }

    /// `"startOrEnd"` and `"timestamp"` (with a subquery's `"step"` between them, by key order).
    private mutating func astAt(_ at: AtModifier?, stepMs: Int64? = nil) {
        raw(",\"startOrEnd\":")
        switch at {
        case .start: raw("\"start\"")
        case .end: raw("\"end\"")
        default: raw("null")
        }
        if let stepMs {
            raw(",\"step\":")
            int(stepMs)
        }
        raw(",\"timestamp\":")
        if case .timestamp(let ms) = at { int(ms) } else { raw("null") }
    }

    /// The matchers in Prometheus's order: the one a bare metric name implies comes last.
    private mutating func astMatchers(_ vs: VectorSelector) {
        var matchers = vs.matchers
        if let name = vs.name, let i = matchers.firstIndex(where: { $0.name == metricNameLabel && $0.type == .equal && $0.value == name }) {
            matchers.append(matchers.remove(at: i))
        }
        byte(UInt8(ascii: "["))
        for (i, m) in matchers.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            raw("{\"name\":")
            string(m.name)
            raw(",\"type\":")
            string(m.type.description)
            raw(",\"value\":")
            string(m.value)
            byte(UInt8(ascii: "}"))
        }
        byte(UInt8(ascii: "]"))
    }
}
