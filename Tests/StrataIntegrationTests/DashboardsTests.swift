import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// The dashboards and alerts under `dashboards/` against the real thing: every panel query of
/// every dashboard parses and returns data from a Strata whose own metrics a real Prometheus
/// scrapes and remote-writes back into it; promtool accepts the alerting rules; every alert has
/// its runbook section, and names only metrics Strata's sources define.
@Suite(.serialized)
struct DashboardsTests {
    /// The repository root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var dashboardsDirectory: URL { root.appendingPathComponent("dashboards") }

    /// One query of one panel, with where it comes from for the failure message.
    struct PanelQuery {
        let dashboard: String
        let panel: String
        let expr: String
        var place: String { "\(dashboard) / \(panel)" }
    }

    /// A `label_values(selector, label)` template variable of a dashboard.
    struct TemplateVariable {
        let name: String
        let selector: String
        let label: String
    }

    /// The dashboards' JSON files, parsed.
    static func dashboards() throws -> [(file: String, json: [String: Any])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: dashboardsDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { file in
            let data = try Data(contentsOf: dashboardsDirectory.appendingPathComponent(file))
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw HarnessError("dashboards/\(file) is not a JSON object")
            }
            return (file, json)
        }
    }

    /// The panels of a dashboard, those nested in collapsed rows included.
    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        var out: [[String: Any]] = []
        for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
            out.append(panel)
            out += panel["panels"] as? [[String: Any]] ?? []
        }
        return out
    }

    /// The query variables of a dashboard, in order (later ones may use earlier ones).
    static func variables(_ dashboard: [String: Any], file: String) throws -> [TemplateVariable] {
        let list = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        return try list.filter { $0["type"] as? String == "query" }.map { v in
            let name = v["name"] as? String ?? "?"
            let definition = v["definition"] as? String ?? ""
            // label_values(<selector>, <label>)
            guard definition.hasPrefix("label_values("), definition.hasSuffix(")"),
                  let comma = definition.lastIndex(of: ",") else {
                throw HarnessError("dashboards/\(file): variable \(name) is not label_values(selector, label): \(definition)")
            }
            let selector = String(definition[definition.index(definition.startIndex, offsetBy: 13)..<comma])
            let label = definition[definition.index(after: comma)...].dropLast().trimmingCharacters(in: .whitespaces)
            return TemplateVariable(name: name, selector: selector, label: label)
        }
    }

    /// Replaces `$name` and `${name}` of each variable, and Grafana's interval variables.
    static func substitute(_ expr: String, _ values: [String: String]) -> String {
        var out = expr
        // Longest names first, so that `$__rate_interval` is not hit by a `$__rate` prefix.
        for (name, value) in values.sorted(by: { $0.key.count > $1.key.count }) {
            out = out.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
        }
        return out
    }

    static let grafanaIntervals = ["__rate_interval": "1m", "__interval": "15s", "__range": "1h"]

    /// GETs a Prometheus API path of `baseURL` and returns the JSON answer, whatever its status.
    static func apiGet(_ client: HTTPClient, _ baseURL: String, _ path: String, _ params: [(String, String)]) async throws -> [String: Any] {
        var components = URLComponents(string: baseURL + path)
        components?.queryItems = params.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves "+" alone, which a form decoder reads as a space.
        let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encoded
        guard let url = components?.url?.absoluteString else { throw HarnessError("bad URL for \(path) \(params)") }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("\(path) answered \(response.status) with a body that is not JSON: \(String(buffer: body).prefix(500))")
        }
        return json
    }

    /// Why an instant query's answer has no data, or nil when it has some.
    static func emptiness(_ answer: [String: Any]) -> String? {
        guard answer["status"] as? String == "success", let data = answer["data"] as? [String: Any] else {
            return "query failed: \(answer)"
        }
        if data["resultType"] as? String == "scalar" { return nil }
        guard let result = data["result"] as? [Any] else { return "no result in \(data)" }
        return result.isEmpty ? "empty result" : nil
    }

    @Test("every dashboard panel query parses and returns data from a Strata that scrapes itself")
    func everyPanelReturnsData() async throws {
        let started = ContinuousClock.now
        let dir = try makeTempDirectory("strata-dashboards")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared

        // The runtime config file makes the overrides gauges exist; the HA tracker, a compactor
        // that runs every 2 s and deletes replaced blocks at once, and multitenancy off (Debian's
        // Prometheus cannot send X-Scope-OrgID) make every panel's metrics appear within a minute.
        // The results cache on a real memcached and query sharding make the query-frontend's and
        // memcached's panels show real traffic.
        let memcached = try MemcachedServer()
        try await memcached.start()
        defer { memcached.kill() }
        let runtimeConfig = dir.appendingPathComponent("runtime.yaml")
        try "overrides:\n  anonymous:\n    ingestion_rate: 100000\n    query_sharding_total_shards: 2\n"
            .write(to: runtimeConfig, atomically: true, encoding: .utf8)
        let strata = try StrataProcess(dataDirectory: dir, extraArguments: [
            "-auth.multitenancy-enabled=false",
            "-runtime-config.file=\(runtimeConfig.path)",
            "-compactor.data-dir=\(dir.appendingPathComponent("compactor").path)",
            "-compactor.compaction-interval=2s",
            "-compactor.first-level-compaction-wait-period=0s",
            "-compactor.deletion-delay=0s",
            "-distributor.ha-tracker.enable=true",
            "-distributor.ha-tracker.enable-for-all-users=true",
            "-query-frontend.cache-results=true",
            "-query-frontend.results-cache.backend=memcached",
            "-query-frontend.results-cache.memcached.addresses=\(memcached.address)",
            "-query-frontend.parallelize-shardable-queries=true",
        ])
        try await strata.waitUntilReady(client: client)
        let prometheus = try PrometheusProcess(directory: dir) { _ in
            """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: strata
                static_configs:
                  - targets: ['127.0.0.1:\(strata.port)']
            remote_write:
              - url: http://127.0.0.1:\(strata.port)/api/v1/push
                queue_config:
                  batch_send_deadline: 1s
                  min_shards: 1
                  max_shards: 1
                  min_backoff: 50ms
                  max_backoff: 1s
            """
        }
        defer { prometheus.terminate() }
        try await prometheus.waitUntilReady(client: client)
        let base = strata.baseURL

        // Strata's own metrics arrive through Prometheus.
        try await eventually("Prometheus remote-writes Strata's self-metrics into it", timeout: .seconds(60)) {
            let answer = try await Self.apiGet(client, base, "/prometheus/api/v1/query", [("query", "up")])
            return Self.emptiness(answer) == nil
        }

        // Traffic that makes the remaining metrics exist: a push, an HA pair (one replica elected,
        // the other deduplicated), a sample refused by a limit, reads of every kind (one bad query),
        // and three flushes whose blocks share a 2h window, so the compactor merges them.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func push(_ labels: [String: String]) async throws -> Int {
            try await pushRemoteWrite(client: client, url: base + "/api/v1/push", tenant: nil,
                                      series: [(Labels(labels), [Sample(timestamp: now, value: 1)])]).status
        }
        #expect(try await push(["__name__": "dashboards_test", "job": "test"]) == 200)
        #expect(try await push(["__name__": "dashboards_ha", "cluster": "pair", "__replica__": "r1"]) == 200)
        #expect(try await push(["__name__": "dashboards_ha", "cluster": "pair", "__replica__": "r2"]) == 202)
        #expect(try await push(["__name__": "dashboards_bad", "leak": String(repeating: "x", count: 3000)]) == 400)
        let nowSeconds = String(Int(Date().timeIntervalSince1970))
        let hourAgo = String(Int(Date().timeIntervalSince1970) - 3600)
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/query", [("query", "up")])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/query", [("query", "sum(")])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/query_range",
                                  [("query", "rate(strata_request_duration_seconds_count[1m])"), ("start", hourAgo), ("end", nowSeconds), ("step", "60")])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/query_range",
                                  [("query", "sum by (route) (rate(strata_request_duration_seconds_count[1m]))"), ("start", hourAgo), ("end", nowSeconds), ("step", "60")])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/series", [("match[]", "up")])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/labels", [])
        _ = try await Self.apiGet(client, base, "/prometheus/api/v1/label/job/values", [])
        _ = try await remoteRead(client: client, baseURL: base, tenant: nil,
                                 matchers: [WireMatcher(type: .equal, name: "__name__", value: "up")], start: 0, end: now + 1000)
        for _ in 0..<3 {
            var flush = HTTPClientRequest(url: base + "/ingester/flush")
            flush.method = .POST
            flush.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let response = try await client.execute(flush, timeout: .seconds(60))
            #expect(response.status.code == 204, "flush answered \(response.status)")
            try await Task.sleep(for: .seconds(3))
        }

        // Every panel query, with the variables resolved the way Grafana does: each
        // label_values(selector, label) through the labels API, taking its first value.
        var queries: [PanelQuery] = []
        var problems: [String] = []
        for (file, dashboard) in try Self.dashboards() {
            var values = Self.grafanaIntervals
            for variable in try Self.variables(dashboard, file: file) {
                var found: [String] = []
                try await eventually("variable \(variable.name) of dashboards/\(file) has values", timeout: .seconds(60)) {
                    let answer = try await Self.apiGet(client, base, "/prometheus/api/v1/label/\(variable.label)/values",
                                                       [("match[]", Self.substitute(variable.selector, values))])
                    found = answer["data"] as? [String] ?? []
                    return !found.isEmpty
                }
                values[variable.name] = found[0]
            }
            for panel in Self.panels(dashboard) {
                let title = panel["title"] as? String ?? "(untitled)"
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    guard let expr = target["expr"] as? String else { continue }
                    queries.append(PanelQuery(dashboard: file, panel: title, expr: Self.substitute(expr, values)))
                }
            }
        }
        #expect(queries.count > 50, "only \(queries.count) panel queries found under dashboards/")

        for q in queries {
            let parsed = try await Self.apiGet(client, base, "/prometheus/api/v1/parse_query", [("query", q.expr)])
            if parsed["status"] as? String != "success" {
                problems.append("\(q.place): parse_query refused \(q.expr): \(parsed["error"] ?? parsed)")
            }
        }

        // Data arrives through Prometheus a second or two after each scrape, and a rate needs
        // two samples in its window: poll each query until it has data, up to a common deadline.
        var pending = queries.filter { q in !problems.contains { $0.hasPrefix(q.place + ":") } }
        var lastAnswer: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(90)
        while !pending.isEmpty && ContinuousClock.now < deadline {
            var still: [PanelQuery] = []
            for q in pending {
                let answer = try await Self.apiGet(client, base, "/prometheus/api/v1/query", [("query", q.expr)])
                if let why = Self.emptiness(answer) {
                    lastAnswer[q.expr] = why
                    still.append(q)
                }
            }
            pending = still
            if !pending.isEmpty { try await Task.sleep(for: .seconds(2)) }
        }
        for q in pending {
            problems.append("\(q.place): no data for \(q.expr) (\(lastAnswer[q.expr] ?? "?"))")
        }
        for problem in problems { Issue.record("\(problem)") }
        print("dashboards: \(queries.count) panel queries checked, \(problems.count) failing, in \(ContinuousClock.now - started)")
        prometheus.terminate()
        #expect(await strata.terminateGracefully() == 0, "strata did not shut down cleanly; log:\n\(strata.log())")
    }

    /// The alert names of alerts.yaml with their runbook_url, read line by line (the file is
    /// generated with one `- alert:` line and one `runbook_url:` line per rule).
    static func alerts() throws -> [(name: String, runbook: String?)] {
        let text = try String(contentsOf: dashboardsDirectory.appendingPathComponent("alerts.yaml"), encoding: .utf8)
        var out: [(name: String, runbook: String?)] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("- alert:") {
                out.append((String(line.dropFirst("- alert:".count)).trimmingCharacters(in: .whitespaces), nil))
            } else if line.hasPrefix("runbook_url:"), !out.isEmpty {
                out[out.count - 1].runbook = String(line.dropFirst("runbook_url:".count))
                    .trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return out
    }

    @Test("promtool accepts alerts.yaml; every alert links its own section of docs/runbooks.md")
    func alertsHaveRunbooks() throws {
        try Promtool.require()
        let path = Self.dashboardsDirectory.appendingPathComponent("alerts.yaml").path
        let output = try Promtool.run(["check", "rules", path])
        #expect(output.contains("SUCCESS"), "promtool check rules: \(output)")

        let alerts = try Self.alerts()
        #expect(alerts.count >= 15, "only \(alerts.count) alerts in dashboards/alerts.yaml")
        #expect(Set(alerts.map(\.name)).count == alerts.count, "alert names repeat")
        let runbooks = try String(contentsOf: Self.root.appendingPathComponent("docs/runbooks.md"), encoding: .utf8)
        let headings = Set(runbooks.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)).trimmingCharacters(in: .whitespaces) })
        for alert in alerts {
            #expect(alert.runbook == "docs/runbooks.md#\(alert.name.lowercased())",
                    "\(alert.name): runbook_url is \(alert.runbook ?? "missing")")
            #expect(headings.contains(alert.name), "docs/runbooks.md has no section `## \(alert.name)`")
        }
    }

    @Test("the alerts and dashboards name only metrics that Strata's sources define")
    func metricNamesExist() throws {
        // Every string literal of Sources/ that looks like a metric name; histograms add suffixes.
        var defined = Set<String>()
        let sources = Self.root.appendingPathComponent("Sources")
        let walker = FileManager.default.enumerator(atPath: sources.path)
        while let file = walker?.nextObject() as? String {
            guard file.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for name in Self.metricNames(in: text) { defined.insert(name) }
        }
        // The runtime-config gauges are built from namespace, subsystem and name parts.
        defined.formUnion(["strata_runtime_config_last_reload_successful", "strata_runtime_config_hash"])
        #expect(defined.count > 50, "found only \(defined.count) metric names under Sources/")

        var used: [String: Set<String>] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dashboardsDirectory.path)
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") }
        for file in files {
            let text = try String(contentsOf: Self.dashboardsDirectory.appendingPathComponent(file), encoding: .utf8)
            for name in Self.metricNames(in: text) { used[name, default: []].insert(file) }
        }
        for (name, files) in used.sorted(by: { $0.key < $1.key }) {
            var base = name
            for suffix in ["_bucket", "_count", "_sum"] where base.hasSuffix(suffix) && !defined.contains(base) {
                base = String(base.dropLast(suffix.count))
            }
            #expect(defined.contains(base), "\(name) (in \(files.sorted().joined(separator: ", "))) is not a metric Strata defines")
        }
    }

    @Test("the dashboards are well-formed: unique uids and panel ids, a data source variable, every $variable defined")
    func dashboardsAreWellFormed() throws {
        let dashboards = try Self.dashboards()
        #expect(dashboards.count >= 8, "only \(dashboards.count) dashboards")
        var uids = Set<String>()
        for (file, dashboard) in dashboards {
            let uid = dashboard["uid"] as? String ?? ""
            #expect(!uid.isEmpty && uids.insert(uid).inserted, "dashboards/\(file): uid \(uid) missing or repeated")
            let list = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            #expect(list.contains { $0["type"] as? String == "datasource" && $0["name"] as? String == "datasource" },
                    "dashboards/\(file) has no datasource variable")
            let defined = Set(list.compactMap { $0["name"] as? String }).union(Self.grafanaIntervals.keys)
            var ids = Set<Int>()
            for panel in Self.panels(dashboard) {
                let title = panel["title"] as? String ?? "(untitled)"
                let id = panel["id"] as? Int ?? -1
                #expect(ids.insert(id).inserted, "dashboards/\(file) / \(title): panel id \(id) repeated")
                let type = panel["type"] as? String ?? ""
                let targets = panel["targets"] as? [[String: Any]] ?? []
                if type != "row" && type != "text" {
                    #expect(!targets.isEmpty, "dashboards/\(file) / \(title): no query")
                    let source = (panel["datasource"] as? [String: Any])?["uid"] as? String
                    #expect(source == "${datasource}", "dashboards/\(file) / \(title): data source \(source ?? "missing")")
                }
                for target in targets {
                    let expr = target["expr"] as? String ?? ""
                    for name in Self.variableReferences(expr) {
                        #expect(defined.contains(name), "dashboards/\(file) / \(title): $\(name) is not a variable of the dashboard")
                    }
                }
            }
        }
    }

    /// The `$name` and `${name}` references of a query.
    static func variableReferences(_ expr: String) -> [String] {
        var out: [String] = []
        let scalars = Array(expr.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "$" else { i += 1; continue }
            i += 1
            if i < scalars.count && scalars[i] == "{" { i += 1 }
            var name = ""
            while i < scalars.count, scalars[i] == "_" || CharacterSet.alphanumerics.contains(scalars[i]) {
                name.unicodeScalars.append(scalars[i])
                i += 1
            }
            if !name.isEmpty { out.append(name) }
        }
        return out
    }

    @Test("the generated files are what dashboards/generate.swift writes (regenerated and compared)")
    func generatedFilesAreUpToDate() throws {
        // The script writes next to itself: run a copy in a temporary directory.
        let dir = try makeTempDirectory("strata-dashboards-generate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("generate.swift")
        try FileManager.default.copyItem(at: Self.dashboardsDirectory.appendingPathComponent("generate.swift"), to: script)
        try ExternalTool.run("/usr/bin/env", ["swift", script.path])
        let produced = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "generate.swift" }.sorted()
        let committed = try FileManager.default.contentsOfDirectory(atPath: Self.dashboardsDirectory.path)
            .filter { $0.hasSuffix(".json") || $0 == "alerts.yaml" }.sorted()
        #expect(produced == committed, "generate.swift writes \(produced), dashboards/ holds \(committed)")
        for file in produced {
            let fresh = try Data(contentsOf: dir.appendingPathComponent(file))
            let existing = try? Data(contentsOf: Self.dashboardsDirectory.appendingPathComponent(file))
            #expect(fresh == existing, "dashboards/\(file) is not what generate.swift writes: run `swift dashboards/generate.swift`")
        }
    }

    /// `strata_…` words of `text`.
    static func metricNames(in text: String) -> [String] {
        var out: [String] = []
        var current = ""
        func flush() {
            if current.hasPrefix("strata_"), current.count > 7 { out.append(current) }
            current = ""
        }
        for ch in text.unicodeScalars {
            if (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || ch == "_" {
                current.unicodeScalars.append(ch)
            } else {
                flush()
            }
        }
        flush()
        return out
    }
}
