import StrataModel

/// A parsed PromQL expression.
///
/// Equality compares structure and values and ignores source positions, so that
/// `parse(print(e)) == e` holds for every parsed `e`.
public indirect enum Expr: Sendable, Equatable {
    /// `1`, `0x1f`, `Inf`, `5m` used as a number.
    case number(NumberLiteral)
    /// `"text"`
    case string(StringLiteral)
    /// `metric{label="value"}`
    case vectorSelector(VectorSelector)
    /// `metric[5m]`
    case matrixSelector(MatrixSelector)
    /// `expr[1h:5m]`
    case subquery(SubqueryExpr)
    /// `(expr)`
    case paren(ParenExpr)
    /// `-expr`, `+expr`
    case unary(UnaryExpr)
    /// `a + b`, `a and on(x) b`
    case binary(BinaryExpr)
    /// `sum by (job) (x)`
    case aggregate(AggregateExpr)
    /// `rate(x[5m])`
    case call(Call)

    /// The type of value the expression evaluates to.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .vector
        case .matrixSelector, .subquery: return .matrix
        case .paren(let p): return p.expr.type
        case .unary(let u): return u.expr.type
        case .binary(let b): return b.lhs.type == .scalar && b.rhs.type == .scalar ? .scalar : .vector
        case .aggregate: return .vector
        case .call(let c): return c.function.returnType
        }
    }

    /// Where the expression is in the query text.
    public var position: PositionRange {
        switch self {
        case .number(let n): return n.position
        case .string(let s): return s.position
        case .vectorSelector(let v): return v.position
        case .matrixSelector(let m): return m.position
        case .subquery(let s): return s.position
        case .paren(let p): return p.position
        case .unary(let u): return u.position
        case .binary(let b): return PositionRange(start: b.lhs.position.start, end: b.rhs.position.end)
        case .aggregate(let a): return a.position
        case .call(let c): return c.position
        }
    }
}

/// A number literal.
public struct NumberLiteral: Sendable, Equatable {
    /// The value (negated literals are folded: `-1` is a literal of value -1).
    public var value: Double
    /// True when written as a duration (`5m`), which prints back as one.
    public var isDuration: Bool
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool {
        (a.value == b.value || (a.value.isNaN && b.value.isNaN)) && a.isDuration == b.isDuration
    }
}

/// A string literal (escapes decoded).
public struct StringLiteral: Sendable, Equatable {
    /// The decoded text.
    public var value: String
    /// The decoded bytes when they are not valid UTF-8 (`value` then has U+FFFD in their place);
    /// Prometheus keeps such bytes, and its messages show them as `\xc5`.
    public var invalidUTF8: [UInt8]? = nil
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool { a.value == b.value }
}

/// What an `@` modifier pins evaluation to.
public enum AtModifier: Sendable, Equatable {
    /// A Unix time in milliseconds.
    case timestamp(Int64)
    /// `@ start()`
    case start
    /// `@ end()`
    case end
}

/// An instant vector selector.
public struct VectorSelector: Sendable, Equatable {
    /// The metric name as written (bare before braces, or quoted alone inside them); nil when
    /// the name is only given as a `__name__` matcher or not at all.
    public var name: String?
    /// All matchers, including the `__name__` equality matcher `name` implies (first).
    public var matchers: [LabelMatcher]
    /// `offset` (zero when absent; negative allowed).
    public var offset: Duration
    /// `@` modifier.
    public var at: AtModifier?
    /// Source position (of the selector without modifiers, as Prometheus reports it).
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.offset == b.offset && a.at == b.at && a.matchers.count == b.matchers.count
            && zip(a.matchers, b.matchers).allSatisfy { $0.type == $1.type && $0.name == $1.name && $0.value == $1.value }
    }
}

/// A range vector selector `selector[range]`.
public struct MatrixSelector: Sendable, Equatable {
    /// The selector; its `offset` and `at` apply to the range selector.
    public var vectorSelector: VectorSelector
    /// The window.
    public var range: Duration
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool {
        a.vectorSelector == b.vectorSelector && a.range == b.range
    }
}

/// A subquery `expr[range:step]`.
public struct SubqueryExpr: Sendable, Equatable {
    /// The inner expression (an instant vector).
    public var expr: Expr
    /// The window.
    public var range: Duration
    /// The resolution; zero means the default evaluation interval (`[1h:]`).
    public var step: Duration
    /// `offset` (zero when absent).
    public var offset: Duration
    /// `@` modifier.
    public var at: AtModifier?
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool {
        a.expr == b.expr && a.range == b.range && a.step == b.step && a.offset == b.offset && a.at == b.at
    }
}

/// A parenthesised expression.
public struct ParenExpr: Sendable, Equatable {
    /// The inner expression.
    public var expr: Expr
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool { a.expr == b.expr }
}

/// A unary operator applied to an expression that is not a number literal.
public struct UnaryExpr: Sendable, Equatable {
    /// `.add` or `.sub`.
    public var op: BinaryOp
    /// The operand.
    public var expr: Expr
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool { a.op == b.op && a.expr == b.expr }
}

/// The binary operators, in Prometheus's spelling.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", lte = "<=", lss = "<", gte = ">=", gtr = ">"
    case and, or, unless

    /// Binding strength: higher binds tighter (`^` is 6, `or` is 1).
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .lte, .lss, .gte, .gtr: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    /// `^` is the only right-associative operator.
    public var isRightAssociative: Bool { self == .pow }
    /// `== != <= < >= >`
    public var isComparison: Bool { precedence == 3 }
    /// `and or unless`
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

/// How the series of two vectors are paired.
public enum VectorMatchCardinality: Sendable, Equatable {
    case oneToOne, manyToOne, oneToMany, manyToMany
}

/// `on`/`ignoring` and `group_left`/`group_right` of a vector-vector binary operation.
public struct VectorMatching: Sendable, Equatable {
    /// Pairing cardinality (`manyToOne` for `group_left`).
    public var cardinality: VectorMatchCardinality
    /// True for `on(...)`, false for `ignoring(...)` or no clause.
    public var on: Bool
    /// The labels of `on`/`ignoring`.
    public var matchingLabels: [String]
    /// The extra labels of `group_left`/`group_right`.
    public var include: [String]
}

/// A binary operation.
public struct BinaryExpr: Sendable, Equatable {
    /// The operator.
    public var op: BinaryOp
    /// Left operand.
    public var lhs: Expr
    /// Right operand.
    public var rhs: Expr
    /// The `bool` modifier of comparisons.
    public var returnBool: Bool
    /// Matching; nil unless both sides are instant vectors.
    public var matching: VectorMatching?
}

/// The aggregation operators.
public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, quantile
    case count_values, limitk, limit_ratio

    /// Operators that take a parameter before the vector.
    public var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .quantile, .count_values, .limitk, .limit_ratio: return true
        default: return false
        }
    }
}

/// An aggregation `op by (labels) (param, expr)`.
public struct AggregateExpr: Sendable, Equatable {
    /// The operator.
    public var op: AggregateOp
    /// The aggregated expression.
    public var expr: Expr
    /// The parameter of `topk`, `quantile`, `count_values`, ….
    public var param: Expr?
    /// The labels of `by`/`without`.
    public var grouping: [String]
    /// True for `without`.
    public var without: Bool
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool {
        a.op == b.op && a.expr == b.expr && a.param == b.param && a.grouping == b.grouping && a.without == b.without
    }
}

/// A function call.
public struct Call: Sendable, Equatable {
    /// The function and its signature.
    public var function: PromQLFunction
    /// The arguments.
    public var args: [Expr]
    /// Source position.
    public var position: PositionRange

    /// Structural equality; source positions are ignored.
    public static func == (a: Self, b: Self) -> Bool { a.function.name == b.function.name && a.args == b.args }
}
