import StrataModel

/// Formats `value` as Go's `%v` does (`strconv.FormatFloat(v, 'g', -1, 64)`): `10000`, `0.5`,
/// `1e+06`, `1.5e-05`, `+Inf`, `NaN`.
///
/// Mimir's messages and `-print.config` print float limits with `%v`; printing them the same way
/// keeps Strata's texts byte-identical to Mimir's (e.g. the ingestion rate limit error).
public func formatGoFloat(_ value: Double) -> String {
    GoFloat.format(value, .shortest)
}
