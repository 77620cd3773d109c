import StrataModel
import Testing

@Suite struct GoFloatTests {
    @Test(arguments: [
        (1e6, "1000000"), (1.5e-5, "0.000015"), (0.1, "0.1"), (-2.5, "-2.5"), (1e21, "1000000000000000000000"),
        (123456789.125, "123456789.125"), (Double.nan, "NaN"), (-Double.infinity, "-Inf"), (-0.0, "-0"),
    ] as [(Double, String)])
    func fixed(value: Double, expected: String) {
        #expect(GoFloat.format(value, .fixed) == expected)
    }

    @Test(arguments: [
        (1e6, "1000000"), (1.5e-5, "0.000015"), (1e-7, "1e-07"), (2.5e21, "2.5e+21"), (1e20, "100000000000000000000"),
        (0.000001, "0.000001"), (Double.infinity, "+Inf"), (3.0, "3"),
    ] as [(Double, String)])
    func prometheusJSON(value: Double, expected: String) {
        #expect(GoFloat.format(value, .prometheusJSON) == expected)
    }

    @Test(arguments: [(1e6, "1e+06"), (1.5e-5, "1.5e-05"), (0.0, "0e+00"), (123.0, "1.23e+02")] as [(Double, String)])
    func exponent(value: Double, expected: String) {
        #expect(GoFloat.format(value, .exponent) == expected)
    }
}
