/// Entry points of the PromQL parser.
public enum PromQL {
    /// Deepest nesting of expressions accepted; deeper input is refused with a `ParseError`.
    ///
    /// Every parenthesis, unary operator, function call, aggregation, subquery bracket and
    /// binary operator (a chain `a + b + c` is two) counts one level. The parser refuses deeper
    /// input both while descending and, for the tree it built, afterwards, so no later pass over
    /// an `Expr` (checker, printer, evaluator, …) recurses deeper than this. The value keeps
    /// every such pass within a 512 KiB thread stack in a debug build, where nested
    /// function calls overflowed it at 48 levels (see `HardeningTests`).
    public static let maxDepth = 32

    /// The text of the parse error for input nested deeper than `maxDepth`.
    static let tooDeepMessage = "expression nesting depth exceeds the maximum of \(maxDepth)"

    /// Parses and type-checks `query` as Prometheus 3 does.
    public static func parse(_ query: String) throws(ParseError) -> Expr {
        var parser = Parser(Array(query.utf8))
        let expr = try parser.parseQuery()
        var checker = Checker(bytes: parser.bytes)
        return try checker.check(expr)
    }

    /// Prints `expr` in Prometheus's canonical `String()` form.
    public static func format(_ expr: Expr) -> String {
        var printer = Printer()
        printer.write(expr)
        return printer.out
    }
}
