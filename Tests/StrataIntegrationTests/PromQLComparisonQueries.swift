/// The PromQL expressions the comparison test sends to both servers, generated from templates
/// crossed with the metrics of `ComparisonDataSet`. Every expression is run as an instant query
/// and as a range query. Ranges, offsets and subquery steps respect the timing rules of the data
/// set (multiples of 15 s, subquery steps multiples of 60 s) so that Prometheus 2.42's closed
/// windows and Prometheus 3.x's left-open windows select the same samples.
enum ComparisonQueries {
    /// One expression to compare.
    struct Query: Sendable {
        /// The PromQL text.
        var expr: String
        /// Whether the instant result's order is part of the answer (`sort`, `sort_desc`).
        var ordered: Bool = false
        /// Also run as range queries (false where 2.42's range answer is a known bug).
        var range: Bool = true
    }

    static let counters = ["http_requests_total", "cpu_seconds_total"]
    static let gauges = ["memory_usage_bytes", "temperature_celsius", "queue_length"]

    /// Every expression, `atSeconds` being a sample-free time for the `@` modifier.
    static func all(atSeconds: Int64) -> [Query] {
        var q: [String] = []

        // Selectors: every matcher type, __name__ matchers, offsets, @.
        q += [
            "up",
            "http_requests_total{method=\"GET\"}",
            "http_requests_total{method!=\"GET\"}",
            "http_requests_total{path=~\"/api/.*\"}",
            "http_requests_total{path!~\"/api/.*\",code=\"500\"}",
            "http_requests_total{code=~\"5..\",method=~\"GET|POST\",job!=\"api\"}",
            "{__name__=~\"request_duration_seconds_(sum|count)\"}",
            "{__name__=\"up\",job=\"worker\"}",
            "{job=\"batch\"}",
            "{__name__=~\"queue_.*|build_info\",instance=~\"10.0.0.[12]:9100\"}",
            "temperature_celsius{sensor=\"\"}",
            "temperature_celsius{nonexistent=\"\"}",
            "up offset 10m",
            "temperature_celsius offset 90s",
            "queue_length offset -5m",
            "memory_usage_bytes @ \(atSeconds)",
            "temperature_celsius @ \(atSeconds) offset 3m",
            "up @ start()",
            "up @ end()",
            "queue_length",
            "batch_last_success_timestamp_seconds",
            "nonexistent_metric",
            "temperature_celsius[1m]",
            "http_requests_total{path=\"/health\",code=\"200\"}[2m] offset 1m",
        ]

        // Range functions on counters.
        for f in ["rate", "irate", "increase", "resets", "changes"] {
            for m in counters {
                for r in ["1m", "5m"] { q.append("\(f)(\(m)[\(r)])") }
            }
        }
        // Range functions on gauges.
        for f in ["delta", "idelta", "deriv", "changes", "avg_over_time", "min_over_time", "max_over_time",
                  "sum_over_time", "count_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time",
                  "present_over_time"] {
            for m in gauges {
                for r in ["2m", "10m"] { q.append("\(f)(\(m)[\(r)])") }
            }
        }
        for m in gauges {
            q.append("predict_linear(\(m)[10m], 600)")
            for phi in ["0", "0.5", "0.9", "1"] { q.append("quantile_over_time(\(phi), \(m)[5m])") }
        }
        q += [
            "quantile_over_time(1.5, temperature_celsius[5m])",
            "quantile_over_time(-1, temperature_celsius[5m])",
            "absent_over_time(nonexistent_metric[5m])",
            "absent_over_time(nonexistent_metric{job=\"api\",code=~\"5..\"}[5m])",
            "absent_over_time(queue_length[5m])",
            "absent_over_time(batch_last_success_timestamp_seconds[10m])",
            "rate(http_requests_total[5m] offset 10m)",
            "rate(http_requests_total[5m] @ \(atSeconds))",
            "increase(cpu_seconds_total[15m] @ end())",
            "irate(request_duration_seconds_count[1m])",
        ]

        // Aggregations with and without grouping.
        let inners = ["rate(cpu_seconds_total[5m])", "temperature_celsius"]
        for op in ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"] {
            for inner in inners {
                for grouping in ["", " by (job)", " without (instance)"] { q.append("\(op)\(grouping) (\(inner))") }
            }
        }
        q += [
            "sum by (job, code) (rate(http_requests_total[5m]))",
            "sum without (method, path) (increase(http_requests_total[10m]))",
            "sum by (__name__) ({__name__=~\"request_duration_seconds_.*\"})",
            "max by (job) (memory_usage_bytes) / 1048576",
            "topk(3, temperature_celsius)",
            "bottomk(2, temperature_celsius)",
            "topk by (job) (2, rate(cpu_seconds_total[5m]))",
            "bottomk without (sensor) (1, temperature_celsius)",
            "topk(2, sum by (instance) (rate(cpu_seconds_total[5m])))",
            "quantile(0.5, temperature_celsius)",
            "quantile by (job) (0.9, rate(cpu_seconds_total[5m]))",
            "quantile(0, memory_usage_bytes)",
            "quantile without (instance) (1, queue_length)",
            "count_values(\"value\", queue_length)",
            "count_values by (job) (\"version\", build_info)",
            "count_values(\"v\", up)",
            "count(count by (version) (build_info))",
            "sum(up) by (job)",
            "avg(temperature_celsius) without (sensor, instance)",
        ]

        // Binary operators: arithmetic, comparison, bool, matching modifiers, set operators.
        q += [
            "1 + 2 * 3",
            "2 ^ 3 ^ 2",
            "-5 % 3",
            "1 / 0",
            "-1 / 0",
            "0 / 0",
            "10 > bool 5",
            "memory_usage_bytes / 1024 / 1024",
            "temperature_celsius * 1.8 + 32",
            "-temperature_celsius",
            "queue_length % 3",
            "queue_length ^ 2",
            // `+ 0` first: 2.42 keeps the metric name through atan2 (see the test's difference 10).
            "(temperature_celsius + 0) atan2 10",
            "(temperature_celsius{sensor=\"a\"} + 0) atan2 ignoring(sensor) (temperature_celsius{sensor=\"b\"} + 0)",
            "2 - temperature_celsius",
            "temperature_celsius > 20",
            "temperature_celsius > bool 20",
            "queue_length == 0",
            "queue_length != bool 0",
            "temperature_celsius <= 10",
            "temperature_celsius >= bool 0",
            "temperature_celsius < -2",
            "10 < temperature_celsius",
            "up == 0",
            "temperature_celsius{sensor=\"a\"} - ignoring(sensor) temperature_celsius{sensor=\"b\"}",
            "temperature_celsius{sensor=\"a\"} > ignoring(sensor) temperature_celsius{sensor=\"b\"}",
            "temperature_celsius{sensor=\"a\"} > bool ignoring(sensor) temperature_celsius{sensor=\"b\"}",
            "sum by (job, instance) (rate(http_requests_total[5m])) / on(job, instance) sum by (job, instance) (rate(cpu_seconds_total[5m]))",
            "rate(cpu_seconds_total[5m]) * on(job, instance) group_left(version) build_info",
            "rate(http_requests_total[5m]) / ignoring(method, code, path) group_left sum by (job, instance) (rate(http_requests_total[5m]))",
            "build_info * on(job, instance) group_right(version) queue_length",
            "sum by (job) (rate(http_requests_total{code=\"500\"}[5m])) / sum by (job) (rate(http_requests_total[5m]))",
            "request_duration_seconds_sum / request_duration_seconds_count",
            "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
            "up and queue_length",
            "up and on(instance) queue_length > 5",
            "queue_length or temperature_celsius",
            "queue_length > 5 or on(job) up",
            "temperature_celsius unless on(job, instance) queue_length > 8",
            "up unless up == 0",
            "build_info or vector(0)",
            "memory_usage_bytes > on(job) group_left max by (job) (memory_usage_bytes) * 0.9",
            "scalar(sum(up)) * up",
            "up * scalar(queue_length)",
            "time() - batch_last_success_timestamp_seconds",
        ]

        // Scalar and vector functions, math, time.
        for f in ["abs", "ceil", "floor", "exp", "sqrt", "sgn", "ln", "log2", "log10", "round", "sin", "cos", "tan",
                  "atan", "sinh", "cosh", "tanh", "asinh", "deg", "rad"] {
            q.append("\(f)(temperature_celsius)")
        }
        q += [
            "exp(temperature_celsius / 10)",
            "ln(memory_usage_bytes)",
            "sqrt(queue_length)",
            "asin(clamp(temperature_celsius / 40, -1, 1))",
            "acos(clamp(temperature_celsius / 40, -1, 1))",
            "atanh(clamp(temperature_celsius / 40, -0.99, 0.99))",
            "acosh(1 + abs(temperature_celsius))",
            "round(temperature_celsius, 0.5)",
            "round(temperature_celsius, 5)",
            "round(memory_usage_bytes, 1048576)",
            "clamp(temperature_celsius, 0, 25)",
            "clamp(temperature_celsius, 25, 0)",
            "clamp_min(temperature_celsius, 10)",
            "clamp_max(temperature_celsius, 10)",
            "pi()",
            "pi() * 2",
            "time()",
            "vector(time())",
            "vector(1)",
            "scalar(up)",
            "scalar(up{job=\"api\",instance=\"10.0.0.1:9100\"})",
            "scalar(nonexistent_metric)",
            "timestamp(temperature_celsius)",
            "timestamp(queue_length)",
            "time() - timestamp(up)",
            "minute()", "hour()", "day_of_month()", "day_of_week()", "day_of_year()", "days_in_month()", "month()", "year()",
            "minute(timestamp(up))",
            "hour(batch_last_success_timestamp_seconds)",
            "days_in_month(vector(1709251200))",
            "day_of_year(vector(1735603200))",
            "year(vector(0))",
            "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
            "label_replace(up, \"job\", \"x-$1\", \"job\", \"w(.*)\")",
            "label_replace(temperature_celsius, \"sensor\", \"\", \"sensor\", \".*\")",
            "label_replace(rate(cpu_seconds_total[5m]), \"__name__\", \"cpu_rate\", \"\", \"\")",
            "label_join(up, \"id\", \"/\", \"job\", \"instance\")",
            "label_join(build_info, \"version\", \"\", \"job\")",
            "histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
            "histogram_quantile(0.9, sum by (job, le) (rate(request_duration_seconds_bucket[5m])))",
            "histogram_quantile(0.99, rate(request_duration_seconds_bucket[10m]))",
            "histogram_quantile(0, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
            "histogram_quantile(1, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
            "histogram_quantile(1.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
            "histogram_quantile(0.75, request_duration_seconds_bucket)",
            "absent(nonexistent_metric)",
            "absent(nonexistent_metric{job=\"api\",instance=~\"x.*\"})",
            "absent(up)",
            "absent(sum(nonexistent_metric))",
        ]

        // Subqueries (steps are multiples of 60 s; see the type's comment).
        q += [
            "max_over_time(rate(http_requests_total[1m])[10m:1m])",
            "avg_over_time(temperature_celsius[15m:2m])",
            "min_over_time(sum by (job) (queue_length)[20m:1m] offset 5m)",
            "rate(sum(cpu_seconds_total)[10m:1m])",
            "deriv(avg(memory_usage_bytes)[30m:5m])",
            "sum_over_time(up[5m:1m] @ \(atSeconds))",
            "max_over_time(deriv(temperature_celsius[5m])[30m:1m])",
            "count_over_time(queue_length[7m:1m])",
        ]

        // Edge cases: anchoring and case of regexes, empty groupings, k bounds, special floats,
        // windows holding a single sample, resets and gaps inside long windows.
        q += [
            "http_requests_total{method=~\"get\"}",
            "http_requests_total{method=~\"(?i)get\",code=\"500\"}",
            "http_requests_total{path=~\"api\"}",
            "http_requests_total{path=~\".*api.*\",code=\"500\",method=\"POST\"}",
            "up{instance!~\"\"}",
            "{__name__=~\"up|build_info\"} offset 30m",
            "up @ 100",
            "+temperature_celsius",
            "-(-temperature_celsius)",
            "sum without () (up)",
            "sum by () (up)",
            "count by (le) (request_duration_seconds_bucket)",
            "count(count_values(\"x\", queue_length))",
            "bottomk(0, up)",
            "topk(100, up)",
            "count(up == 1) by (job)",
            "group by (version) (build_info)",
            "stddev by (job) (queue_length)",
            "min by (job) (min_over_time(queue_length[5m]))",
            "max_over_time(queue_length[1h])",
            "changes(up[30m])",
            "resets(queue_length[30m])",
            "increase(http_requests_total[1h])",
            "rate(http_requests_total[15s])",
            "irate(cpu_seconds_total[30s])",
            "deriv(cpu_seconds_total[30m])",
            "predict_linear(cpu_seconds_total[30m], 3600)",
            "rate(http_requests_total[5m:1m])",
            "last_over_time(up[10m:1m] offset 1m)",
            "max_over_time((sum by (job) (rate(http_requests_total[5m])))[30m:2m] @ \(atSeconds))",
            "timestamp(batch_last_success_timestamp_seconds)",
            "absent_over_time(up{job=\"nonexistent\"}[5m])",
            "absent(up{job=\"api\"} == 5)",
            "sum by (job) (rate(http_requests_total[5m])) > 1 and on(job) sum by (job) (up) > 0",
            "sum(http_requests_total) / ignoring() sum(cpu_seconds_total)",
            "vector(1) + on() group_left sum(up)",
            "up == bool 1",
            "1 == bool up",
            "scalar(vector(1)) + vector(2)",
            "round(vector(-2.5))",
            "round(vector(2.5))",
            "clamp_min(vector(NaN), 0)",
            "exp(vector(1000))",
            "ln(vector(0))",
            "sgn(vector(-3))",
            "vector(NaN) == vector(NaN)",
            "histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket{le=~\"0.1|0.5|\\\\+Inf\"}[5m])))",
            "label_join(up, \"new\", \",\", \"job\", \"instance\", \"nonexistent\")",
            "day_of_week(timestamp(up))",
            "quantile by (job) (0.5, rate(http_requests_total[5m]))",
        ]

        // Float formatting in labels, label escaping, NaN and infinities, operator corner cases.
        q += [
            "count_values(\"v\", vector(0.1 + 0.2))",
            "count_values(\"v\", vector(1e21))",
            "count_values(\"v\", vector(1e-7))",
            "count_values(\"v\", vector(-0.5))",
            "count_values(\"v\", temperature_celsius * 0 + 1 / 3)",
            "label_replace(up, \"u\", \"\u{00FC}\u{20AC} \\\"quoted\\\" back\\\\slash\", \"\", \"\")",
            "label_replace(up, \"host\", \"${host}-${1}\", \"instance\", \"(?P<host>[0-9.]+):(.*)\")",
            "label_replace(up, \"x\", \"$1$2\", \"job\", \"(a)(p)i\")",
            "label_replace(up, \"job\", \"\", \"job\", \"api\")",
            "quantile(0.5, vector(NaN) or temperature_celsius)",
            "sort(vector(NaN) or queue_length)",
            "topk(2, vector(NaN) or on() temperature_celsius)",
            "max(vector(NaN) or temperature_celsius)",
            "min(vector(NaN))",
            "scalar(vector(NaN))",
            "-1 ^ 0.5",
            "2 ^ -1",
            "vector(Inf) * 0",
            "7 % -3",
            "-7 % 3",
            "1 < bool 2",
            "vector(1) unless vector(1)",
            "vector(1) or vector(2)",
            "up and ignoring(job) up",
            "floor(-temperature_celsius)",
            "sgn(-temperature_celsius)",
            "timestamp(up offset 5m)",
            "timestamp(up @ \(atSeconds))",
            "-up offset 5m",
            "up offset 5m * 2",
            "rate(http_requests_total[1m] offset -1m)",
            // The inner range is 5m30s: inner points are evaluated at multiples of 2 m, and an
            // inner range of whole minutes would put its lower bound on a point.
            "max_over_time(max_over_time(up[330s:1m])[10m:2m])",
            "sum_over_time(vector(1)[5m:1m])",
            "sum by (job) (rate(http_requests_total[5m])) * on(job) group_left count by (job) (up)",
            "count_over_time({__name__=~\"request_duration_seconds_.*\",le=~\"0.1|\"}[2m])",
            "stddev_over_time(batch_last_success_timestamp_seconds[1h])",
            "last_over_time(batch_last_success_timestamp_seconds[1h])",
        ]

        // Sorting (the order of an instant result is compared).
        var out = q.map { Query(expr: $0) }
        out += [
            Query(expr: "sort(temperature_celsius)", ordered: true),
            Query(expr: "sort_desc(memory_usage_bytes)", ordered: true),
            Query(expr: "sort_desc(sum by (job, instance) (rate(cpu_seconds_total[5m])))", ordered: true),
            Query(expr: "sort(queue_length + 0.001 * memory_usage_bytes / 1048576)", ordered: true),
            Query(expr: "sort_desc(topk(3, temperature_celsius))", ordered: true),
        ]

        // Instant only: see the test's difference 12.
        out.append(Query(expr: "predict_linear(cpu_seconds_total[5m] @ end(), 60)", range: false))

        // Errors: both servers must refuse these.
        out += [
            "rate(up)", "sum(", "up +", "unknown_function(up)", "rate(up[5m]", "topk(\"a\", up)",
            "label_replace(up, \"x\", \"$1\", \"instance\", \"(\")", "up + on(job) up",
            "http_requests_total / on(job) cpu_seconds_total", "{}", "up[5m:1m]  [5m]", "1 + \"a\"",
            "time() > 0", "sum by (job) (up) offset", "absent(up, up)",
        ].map { Query(expr: $0) }
        return out
    }
}
