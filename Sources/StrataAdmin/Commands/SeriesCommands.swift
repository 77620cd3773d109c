import ArgumentParser
import Foundation

/// `strata admin series …`: delete (or redact) series over a time range, list and cancel requests.
struct SeriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "Delete or redact series over a time range; list and cancel delete requests.",
        subcommands: [Delete.self, Deletes.self, Cancel.self]
    )

    /// The header naming the request a delete created.
    static let requestIDHeader = "X-Strata-Delete-Request-Id"
    /// The delete requests path.
    static let deletePath = "/prometheus/api/v1/admin/tsdb/delete_series"

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete the samples of the matching series in [start, end], or redact one label's value in them.",
            discussion: """
            Uses POST /prometheus/api/v1/admin/tsdb/delete_series with match[], start, end (and \
            redact_label, redact_value). The samples are hidden from queries at once; the compactor \
            then rewrites the blocks. Prints the delete request's ID (see `series deletes`).
            """
        )
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("match"), help: "Series selector, e.g. '{job=\"x\",secret=\"leaked\"}' (repeat for several).")
        var matches: [String] = []
        @Option(help: "Start of the range: Unix seconds or RFC 3339.") var start: String
        @Option(help: "End of the range: Unix seconds or RFC 3339.") var end: String
        @Option(name: .customLong("redact-label"), help: "Instead of deleting, rewrite this label's value in the matching series.")
        var redactLabel: String?
        @Option(name: .customLong("redact-value"), help: "The value written instead (with --redact-label).")
        var redactValue: String?

        func validate() throws {
            guard !matches.isEmpty else { throw ValidationError("name the series to delete: --match '<selector>'") }
            for m in matches where m.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--match must not be empty")
            }
            guard let s = TimeArgument(start) else { throw ValidationError(TimeArgument.invalid("--start", start)) }
            guard let e = TimeArgument(end) else { throw ValidationError(TimeArgument.invalid("--end", end)) }
            guard e.milliseconds >= s.milliseconds else { throw ValidationError("--end \(end) is before --start \(start)") }
            switch (redactLabel, redactValue) {
            case (nil, nil): break
            case (let label?, _?):
                guard isLabelName(label) else { throw ValidationError("--redact-label \"\(label)\" is not a label name") }
                guard label != "__name__" else { throw ValidationError("--redact-label cannot be __name__: delete the series instead") }
            default:
                throw ValidationError("--redact-label and --redact-value go together")
            }
        }

        func run() async throws {
            var form = matches.map { ("match[]", $0) }
            form += [("start", start), ("end", end)]
            if let redactLabel, let redactValue { form += [("redact_label", redactLabel), ("redact_value", redactValue)] }
            try await withAdminClient(global) { [form] client, out throws(AdminError) in
                let response = try await client.postForm(SeriesCommand.deletePath, form: form)
                let id = response.headers.first(name: SeriesCommand.requestIDHeader) ?? ""
                guard !id.isEmpty else {
                    throw .operation("the server accepted the delete (\(response.status)) but sent no \(SeriesCommand.requestIDHeader) header")
                }
                if out.json { return out.document(.object([("request_id", .string(id))])) }
                out.line(id)
                out.note(redactLabel == nil ? "delete request \(id) recorded: the samples are hidden now and removed from the blocks by the compactor"
                                            : "redaction request \(id) recorded")
            }
        }
    }

    struct Deletes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deletes",
            abstract: "List the tenant's delete requests and their state (pending, processed, cancelled).",
            discussion: "Uses GET /prometheus/api/v1/admin/tsdb/delete_series."
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON(SeriesCommand.deletePath)
                if out.json { return out.raw(response) }
                out.table(deletesTable(json))
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel a delete request that is still pending.",
            discussion: "Uses POST /prometheus/api/v1/admin/tsdb/cancel_delete_request?request_id=<id>. Exit code 3 for an unknown ID; 1 when the request is no longer pending."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The request ID (from `series delete` or `series deletes`).") var requestID: String

        func validate() throws {
            guard !requestID.isEmpty, requestID.count <= 256 else { throw ValidationError("the request ID must be 1 to 256 characters") }
        }

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                _ = try await client.postForm("/prometheus/api/v1/admin/tsdb/cancel_delete_request",
                                              query: [("request_id", requestID)],
                                              notFound: "no delete request \(requestID) for this tenant")
                if out.json { return out.document(.object([("request_id", .string(requestID)), ("status", .string("cancelled"))])) }
                out.line("delete request \(requestID) cancelled")
            }
        }
    }
}

/// The delete requests as a table, oldest first.
func deletesTable(_ json: JSONValue) -> Table {
    let requests = json.array.sorted { ($0["created_at"].double ?? 0) < ($1["created_at"].double ?? 0) }
    let rows = requests.map { r -> [String] in
        var what = r["selectors"].array.map(\.cell).joined(separator: " ")
        if let label = r["redact_label"].string, !label.isEmpty {
            what += " (redact \(label) → \(JSONValue.quote(r["redact_value"].cell)))"
        }
        return [
            r["request_id"].cell, r["status"].cell,
            r["start_time"].double.map { Format.time(seconds: $0) } ?? "",
            r["end_time"].double.map { Format.time(seconds: $0) } ?? "",
            r["created_at"].double.map { Format.time(seconds: $0) } ?? "",
            r["user"].cell, what,
        ]
    }
    return Table(headers: ["request id", "status", "start", "end", "created", "user", "selectors"], rows: rows)
}
