import Foundation
import ArgumentParser

/// `strata admin cardinality …`: which metrics and labels hold the series.
struct CardinalityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cardinality",
        abstract: "Find what holds a tenant's series: top metrics and labels, values, active series, history, unused metrics.",
        subcommands: [Top.self, Labels.self, Values.self, ActiveSeries.self, History.self, Unused.self]
    )

    /// Largest `--limit` accepted here; each endpoint has its own, smaller maximum (the server
    /// answers 400 naming it).
    static let maxLimit = 500_000
    /// `--days` accepted by history and unused (the server's range).
    static let days = 1...400

    static func checkDays(_ days: Int?) throws {
        if let days, !Self.days.contains(days) {
            throw ValidationError("--days must be between \(Self.days.lowerBound) and \(Self.days.upperBound), got \(days)")
        }
    }

    static func checkLimit(_ limit: Int?) throws {
        if let limit, !(1...maxLimit).contains(limit) {
            throw ValidationError("--limit must be between 1 and \(maxLimit), got \(limit)")
        }
    }

    struct Top: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "top",
            abstract: "Top metrics, labels and label pairs by series count (in-memory series of the ingesters).",
            discussion: "Uses GET /prometheus/api/v1/status/tsdb?limit=N (Prometheus's TSDB status: head stats and top-N lists)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Entries per list (server default 10).") var limit: Int?

        func validate() throws { try CardinalityCommand.checkLimit(limit) }

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/status/tsdb", query: limit.map { [("limit", String($0))] } ?? [])
                if out.json { return out.raw(response) }
                let data = json["data"]
                let head = data["headStats"]
                if !head.isNull, (head["numSeries"].int ?? 0) > 0 {
                    var parts = ["series \(head["numSeries"].cell)", "chunks \(head["chunkCount"].cell)"]
                    if let min = head["minTime"].int, let max = head["maxTime"].int, min <= max {
                        parts.append("from \(Format.time(milliseconds: Int64(min))) to \(Format.time(milliseconds: Int64(max)))")
                    }
                    out.line("Head: " + parts.joined(separator: ", "))
                    out.line("")
                }
                let sections: [(String, String, String, String)] = [
                    ("Series count by metric name", "seriesCountByMetricName", "metric", "series"),
                    ("Label value count by label name", "labelValueCountByLabelName", "label", "values"),
                    ("Series count by label value pair", "seriesCountByLabelValuePair", "label pair", "series"),
                    ("Memory in bytes by label name", "memoryInBytesByLabelName", "label", "bytes"),
                ]
                for (i, (title, key, nameHeader, valueHeader)) in sections.enumerated() {
                    out.line(title + ":")
                    out.table(Table(headers: [nameHeader, valueHeader], rows: data[key].array.map { [$0["name"].cell, $0["value"].cell] }))
                    if i + 1 < sections.count { out.line("") }
                }
            }
        }
    }

    struct Labels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "labels",
            abstract: "Label names by how many values they have.",
            discussion: "Uses GET /prometheus/api/v1/cardinality/label_names (Mimir's), with selector and limit."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Series selector restricting the series counted, e.g. '{job=\"api\"}'.") var selector: String?
        @Option(help: "Label names listed at most.") var limit: Int?

        func validate() throws { try CardinalityCommand.checkLimit(limit) }

        func run() async throws {
            var query: [(String, String)] = []
            if let selector { query.append(("selector", selector)) }
            if let limit { query.append(("limit", String(limit))) }
            try await withAdminClient(global) { [query] client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/cardinality/label_names", query: query)
                if out.json { return out.raw(response) }
                out.line("Label names: \(json["label_names_count"].cell), label values in all: \(json["label_values_count_total"].cell)")
                out.table(Table(headers: ["label", "values"],
                                rows: json["cardinality"].array.map { [$0["label_name"].cell, $0["label_values_count"].cell] }))
            }
        }
    }

    struct Values: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "values",
            abstract: "Values of the given labels by how many series have them.",
            discussion: "Uses GET /prometheus/api/v1/cardinality/label_values?label_names[]=… (Mimir's), with selector and limit."
        )
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("label"), help: "A label name (repeat for several).") var labels: [String] = []
        @Option(help: "Series selector restricting the series counted.") var selector: String?
        @Option(help: "Values listed at most per label.") var limit: Int?

        func validate() throws {
            guard !labels.isEmpty else { throw ValidationError("name at least one label: --label <name>") }
            for label in labels where !isLabelName(label) {
                throw ValidationError("--label \"\(label)\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
            }
            try CardinalityCommand.checkLimit(limit)
        }

        func run() async throws {
            var query = labels.map { ("label_names[]", $0) }
            if let selector { query.append(("selector", selector)) }
            if let limit { query.append(("limit", String(limit))) }
            try await withAdminClient(global) { [query] client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/cardinality/label_values", query: query)
                if out.json { return out.raw(response) }
                out.line("Series in all: \(json["series_count_total"].cell)")
                var rows: [[String]] = []
                for label in json["labels"].array {
                    for value in label["cardinality"].array {
                        rows.append([label["label_name"].cell, value["label_value"].cell, value["series_count"].cell])
                    }
                }
                out.table(Table(headers: ["label", "value", "series"], rows: rows))
            }
        }
    }

    struct ActiveSeries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "active-series",
            abstract: "The series matching a selector that are in memory now.",
            discussion: "Uses GET /prometheus/api/v1/cardinality/active_series?selector=S (Mimir's)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Series selector, e.g. 'http_requests_total{job=\"api\"}' (required).") var selector: String
        @Option(help: "Series listed at most.") var limit: Int?

        func validate() throws {
            guard !selector.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--selector must not be empty") }
            try CardinalityCommand.checkLimit(limit)
        }

        func run() async throws {
            var query = [("selector", selector)]
            if let limit { query.append(("limit", String(limit))) }
            try await withAdminClient(global) { [query] client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/cardinality/active_series", query: query)
                if out.json { return out.raw(response) }
                let series = json["data"].array.map { seriesText($0) }
                out.table(Table(headers: ["series"], rows: series.map { [$0] }))
                out.note("\(series.count) active series")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Series per day from the blocks in the bucket: what grew, and when.",
            discussion: "Uses GET /prometheus/api/v1/cardinality/history?days=N[&metric=M] (Strata's: per-day series counts kept in the bucket index)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Days back from today (server default 14).") var days: Int?
        @Option(help: "Only this metric name.") var metric: String?
        @Option(help: "Metrics listed per day at most (server default 10).") var limit: Int?

        func validate() throws {
            try CardinalityCommand.checkDays(days)
            try CardinalityCommand.checkLimit(limit)
        }

        func run() async throws {
            var query: [(String, String)] = []
            if let days { query.append(("days", String(days))) }
            if let metric { query.append(("metric", metric)) }
            if let limit { query.append(("limit", String(limit))) }
            try await withAdminClient(global) { [query] client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/cardinality/history", query: query)
                if out.json { return out.raw(response) }
                out.table(historyTable(json, metric: metric))
            }
        }
    }

    struct Unused: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unused",
            abstract: "Metrics ingested in the last days that no query touched, with their series counts.",
            discussion: "Uses GET /prometheus/api/v1/cardinality/unused?days=N (Strata's: ingested metric names minus those in the query log)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Look back this many days (server default 30).") var days: Int?
        @Option(help: "Metrics listed at most (server default 100).") var limit: Int?

        func validate() throws {
            try CardinalityCommand.checkDays(days)
            try CardinalityCommand.checkLimit(limit)
        }

        func run() async throws {
            var query: [(String, String)] = []
            if let days { query.append(("days", String(days))) }
            if let limit { query.append(("limit", String(limit))) }
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/prometheus/api/v1/cardinality/unused", query: query)
                if out.json { return out.raw(response) }
                out.table(Table(headers: ["metric", "series"], rows: json["metrics"].array.map { [$0["name"].cell, $0["series_count"].cell] }))
                out.note("metric names seen in queries: \(json["queried_metrics_tracked"].cell)")
            }
        }
    }
}

/// The history answer as a table: one row per day with the total, the change from the day
/// before and the biggest metric (or the one metric asked for).
func historyTable(_ json: JSONValue, metric: String?) -> Table {
    var rows: [[String]] = []
    var previous: Int? = nil
    for day in json["days"].array {
        let metrics = day["metrics"].array
        let count: Int?
        if let metric {
            count = metrics.first { $0["name"].string == metric }?["series_count"].int ?? 0
        } else {
            count = day["series_count_total"].int
        }
        var change = ""
        if let count, let previous {
            let delta = count - previous
            change = delta > 0 ? "+\(delta)" : "\(delta)"
        }
        if let count { previous = count }
        var row = [day["date"].cell, count.map(String.init) ?? "", change]
        if metric == nil {
            let top = metrics.max { ($0["series_count"].int ?? 0) < ($1["series_count"].int ?? 0) }
            row.append(top.map { "\($0["name"].cell) (\($0["series_count"].cell))" } ?? "")
        }
        rows.append(row)
    }
    let headers = metric == nil ? ["date", "series", "change", "top metric"] : ["date", "series", "change"]
    return Table(headers: headers, rows: rows)
}

/// `name{a="b", c="d"}` for a JSON label map, `__name__` first as Prometheus prints series.
func seriesText(_ labels: JSONValue) -> String {
    var name = ""
    var pairs: [String] = []
    for (key, value) in labels.members.sorted(by: { $0.key < $1.key }) {
        if key == "__name__" { name = value.cell } else { pairs.append("\(key)=\(JSONValue.quote(value.cell))") }
    }
    if pairs.isEmpty, !name.isEmpty { return name }
    return name + "{" + pairs.joined(separator: ", ") + "}"
}

/// Whether `s` is a legacy Prometheus label name.
func isLabelName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
    return s.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
}
