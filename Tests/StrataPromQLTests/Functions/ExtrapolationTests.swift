import StrataModel
import Testing
@testable import StrataPromQL

@Suite("rate, increase, delta, irate, idelta")
struct ExtrapolationTests {
    typealias H = FunctionHarness

    @Test("samples near both edges are extrapolated to the full window")
    func fullExtrapolation() throws {
        let pts: [(Double, Double)] = (1...6).map { (i: Int) -> (Double, Double) in (Double(i) * 10, Double(i)) }
        let inc = try H.window("increase", pts, rangeStart: 0, rangeEnd: 60_000)
        #expect(H.close(H.value(inc.out), 6))
        let rate = try H.window("rate", pts, rangeStart: 0, rangeEnd: 60_000)
        #expect(H.close(H.value(rate.out), 0.1))
        #expect(rate.out.first?.dropName == true)
        #expect(rate.out.first?.t == 60_000)
    }

    @Test("a counter reset adds the value before the drop")
    func counterReset() throws {
        let r = try H.window("increase", [(20, 5), (40, 10), (60, 2)], rangeStart: 0, rangeEnd: 60_000)
        // Raw increase 2 - 5 + 10 = 7, extrapolated by 60/40.
        #expect(H.close(H.value(r.out), 10.5))
    }

    @Test("a counter is not extrapolated below zero")
    func zeroPoint() throws {
        let r = try H.window("increase", [(20, 5), (40, 15), (60, 25)], rangeStart: 0, rangeEnd: 60_000)
        // The counter would reach zero 10s before the first sample, nearer than the window start.
        #expect(H.close(H.value(r.out), 25))
        // delta has no such rule.
        let d = try H.window("delta", [(20, 5), (40, 15), (60, 25)], rangeStart: 0, rangeEnd: 60_000)
        #expect(H.close(H.value(d.out), 30))
    }

    @Test("a gap over 1.1 average intervals extrapolates by half an interval")
    func gapAtStart() throws {
        let d = try H.window("delta", [(40, 1), (50, 2), (60, 3)], rangeStart: 0, rangeEnd: 60_000)
        #expect(H.close(H.value(d.out), 2 * 25.0 / 20.0))
    }

    @Test("fewer than two samples give nothing")
    func tooFew() throws {
        #expect(try H.window("rate", [(10, 1)], rangeStart: 0, rangeEnd: 60_000).out.isEmpty)
        #expect(try H.window("irate", [(10, 1)], rangeStart: 0, rangeEnd: 60_000).out.isEmpty)
    }

    @Test("irate and idelta use the last two samples; irate treats a drop as a reset")
    func instant() throws {
        let pts: [(Double, Double)] = [(10, 1), (20, 10), (30, 4)]
        #expect(H.close(H.value(try H.window("irate", pts, rangeStart: 0, rangeEnd: 30_000).out), 0.4))
        #expect(H.close(H.value(try H.window("idelta", pts, rangeStart: 0, rangeEnd: 30_000).out), -6))
        #expect(H.close(H.value(try H.window("irate", [(10, 1), (20, 3)], rangeStart: 0, rangeEnd: 30_000).out), 0.2))
    }
}
