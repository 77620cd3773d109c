/// Entry points of the PromQL parser.
public enum PromQL {
    /// Deepest nesting of expressions accepted; deeper input is refused with a `ParseError`.
    ///
    /// Every parenthesis, unary operator, function call, aggregation, subquery bracket and
    /// binary operator (a chain `a + b + c` is two) counts one level. The parser refuses deeper
    /// input both while descending and, for the tree it built, afterwards, so no later pass over
    /// an `Expr` (checker, printer, evaluator, …) recurses deeper than this. Swift concurrency's
    /// and NIO's threads have 8 MiB stacks on Linux; `HardeningTests` runs every such pass over
    /// the deepest accepted expression of each kind on a 4 MiB stack in a debug build (whose
    /// frames are the largest), where 512 KiB held 48 levels of nested function calls.
    public static let maxDepth = 128

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
