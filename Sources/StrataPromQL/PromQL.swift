/// Entry points of the PromQL parser.
public enum PromQL {
    /// Deepest nesting of expressions accepted; deeper input is refused with a `ParseError`.
    public static let maxDepth = 1000

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
