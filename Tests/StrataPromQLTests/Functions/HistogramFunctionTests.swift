import StrataModel
import Testing
@testable import StrataPromQL

@Suite("histogram_quantile, histogram_quantiles, histogram_fraction (classic buckets)")
struct HistogramFunctionTests {
    typealias H = FunctionHarness

    static func buckets(_ name: String, _ pairs: [(String, Double)], extra: [String: String] = [:]) -> Vector {
        pairs.map { le, count in
            var labels = extra
            labels["__name__"] = name
            labels["le"] = le
            return H.sample(labels, count)
        }
    }

    static let positive = buckets("h_bucket", [("0.1", 50), (".2", 70), ("1e0", 110), ("+Inf", 120)], extra: ["start": "positive"])

    @Test("interpolates inside the bucket and groups by labels without le")
    func quantile() throws {
        let negative = Self.buckets("h_bucket", [("-.2", 10), ("-0.1", 20), ("0.3", 20), ("+Inf", 30)], extra: ["start": "negative"])
        let r = try H.call("histogram_quantile", [H.scalar(0.5), Self.positive + negative]).out
        #expect(r.count == 2)
        let byStart = Dictionary(uniqueKeysWithValues: r.map { ($0.metric["start"] ?? "", $0.f) })
        #expect(H.close(byStart["positive"] ?? .nan, 0.15))
        #expect(H.close(byStart["negative"] ?? .nan, -0.15))
        #expect(r.allSatisfy { $0.dropName && $0.metric["le"] == nil && $0.metric.metricName == "h_bucket" })
    }

    @Test("the +Inf bucket returns the highest finite bound; the lowest bucket interpolates from 0")
    func edges() throws {
        #expect(H.value(try H.call("histogram_quantile", [H.scalar(0.99), Self.positive]).out) == 1)
        #expect(H.close(H.value(try H.call("histogram_quantile", [H.scalar(0.1), Self.positive]).out), 0.024))
    }

    @Test("quantiles outside [0, 1] give ±Inf with a warning; NaN quantile gives NaN")
    func outOfRange() throws {
        let r = try H.call("histogram_quantile", [H.scalar(-0.1), Self.positive], query: "histogram_quantile(-0.1, x)")
        #expect(H.value(r.out) == -.infinity)
        #expect(r.annotations.entries.first?.message == "quantile value should be between 0 and 1, got -0.1")
        #expect(r.annotations.entries.first?.kind == .warning)
        #expect(H.value(try H.call("histogram_quantile", [H.scalar(1.01), Self.positive]).out) == .infinity)
        #expect(H.value(try H.call("histogram_quantile", [H.scalar(.nan), Self.positive]).out).isNaN)
    }

    @Test("no +Inf bucket, or no observations, gives NaN")
    func nan() throws {
        let noInf = Self.buckets("h_bucket", [("1", 1), ("2", 2)])
        #expect(H.value(try H.call("histogram_quantile", [H.scalar(0.5), noInf]).out).isNaN)
        let empty = Self.buckets("h_bucket", [("1", 0), ("+Inf", 0)])
        #expect(H.value(try H.call("histogram_quantile", [H.scalar(0.5), empty]).out).isNaN)
    }

    @Test("non-monotonic buckets are fixed with an info")
    func monotonicity() throws {
        let b = Self.buckets("nonmonotonic_bucket", [("0.1", 20), ("1", 10), ("10", 50), ("100", 40), ("1000", 90), ("+Inf", 80)])
        let r = try H.call("histogram_quantile", [H.scalar(0.5), b], query: "histogram_quantile(0.5, nonmonotonic_bucket)")
        #expect(H.close(H.value(r.out), 8.5))
        #expect(r.annotations.entries.first?.kind == .info)
        #expect(r.annotations.entries.first?.message.hasPrefix("input to histogram_quantile needed to be fixed for monotonicity") == true)
        #expect(r.annotations.entries.first?.message.hasSuffix("for metric name \"nonmonotonic_bucket\"") == true)
    }

    @Test("a missing or malformed le is skipped with a warning")
    func badLe() throws {
        let r = try H.call("histogram_quantile", [H.scalar(0.5), [H.sample(["__name__": "series", "le": "Hello World"], 2)]],
                           query: "histogram_quantile(0.5, series)")
        #expect(r.out.isEmpty)
        #expect(r.annotations.entries.first?.message
                == "bucket label \"le\" is missing or has a malformed value of \"Hello World\" for metric name \"series\"")
    }

    @Test("histogram_quantiles labels each quantile the OpenMetrics way")
    func quantiles() throws {
        let r = try H.call("histogram_quantiles", [Self.positive, [], H.scalar(0), H.scalar(0.5)],
                           query: "histogram_quantiles(x, \"q\", 0, 0.5)").out
        #expect(Set(r.compactMap { $0.metric["q"] }) == ["0.0", "0.5"])
        #expect(r.first { $0.metric["q"] == "0.5" }.map { H.close($0.f, 0.15) } == true)
    }

    @Test("histogram_fraction interpolates and handles infinite buckets")
    func fraction() throws {
        let pos = Self.buckets("p_bucket", [("1", 1), ("2", 3), ("3", 6), ("+Inf", 100)])
        #expect(H.close(H.value(try H.call("histogram_fraction", [H.scalar(0), H.scalar(1.5), pos]).out), 0.02))
        #expect(H.close(H.value(try H.call("histogram_fraction", [H.scalar(2), H.scalar(5), pos]).out), 0.03))
        #expect(H.value(try H.call("histogram_fraction", [H.scalar(4), H.scalar(5), pos]).out) == 0)
        #expect(H.value(try H.call("histogram_fraction", [H.scalar(-.infinity), H.scalar(.infinity), pos]).out) == 1)
        let neg = Self.buckets("n_bucket", [("-3", 10), ("-2", 12), ("-1", 15), ("+Inf", 100)])
        #expect(H.close(H.value(try H.call("histogram_fraction", [H.scalar(-4), H.scalar(-2), neg]).out), 0.02))
        #expect(H.close(H.value(try H.call("histogram_fraction", [H.scalar(-.infinity), H.scalar(-1.5), neg]).out), 0.135))
        #expect(H.value(try H.call("histogram_fraction", [H.scalar(3), H.scalar(2), neg]).out) == 0)
    }

    @Test("native-only histogram functions give nothing for floats")
    func nativeOnly() throws {
        for name in ["histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar"] {
            #expect(try H.call(name, [Self.positive]).out.isEmpty, "\(name)")
        }
    }
}
