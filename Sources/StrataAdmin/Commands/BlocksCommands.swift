import ArgumentParser
import Foundation
import NIOCore
import StrataBlocks

/// `strata admin blocks …`: the tenant's blocks in the bucket.
struct BlocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks",
        abstract: "List, inspect and verify the tenant's blocks in the bucket; keep one from compaction.",
        subcommands: [List.self, Inspect.self, Verify.self, MarkNoCompact.self]
    )

    /// The admin block endpoints.
    static let path = "/api/v1/admin/blocks"

    /// Checks a block ID argument: a ULID in its canonical upper-case form.
    static func checkID(_ id: String) throws {
        guard let ulid = ULID(id), ulid.description == id else {
            throw ValidationError("\"\(id)\" is not a block ID (a 26-character ULID such as 01JQ8Z5M0RSZ3DS1E7W0Y6Q2KX)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "The tenant's blocks: time range, resolution, level, series, samples, size and marks.",
            discussion: "Uses GET /api/v1/admin/blocks (Strata's; from the tenant's bucket index and each block's meta.json)."
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            _ = try global.requireTenant(for: "blocks list")
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON(BlocksCommand.path)
                if out.json { return out.raw(response) }
                out.table(blocksTable(json))
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "One block's meta.json, files, sizes and marks.",
            discussion: "Uses GET /api/v1/admin/blocks/<id>. Exit code 3 when the tenant has no such block."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The block ID (ULID).") var id: String

        func validate() throws { try BlocksCommand.checkID(id) }

        func run() async throws {
            _ = try global.requireTenant(for: "blocks inspect")
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("\(BlocksCommand.path)/\(id)", notFound: "the tenant has no block \(id)")
                if out.json { return out.raw(response) }
                printInspection(json, out: out)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check blocks' index and chunks on the server (every series, every chunk, CRCs, time ranges).",
            discussion: """
            Uses POST /api/v1/admin/blocks/<id>/verify for each block (with --all, the blocks of \
            GET /api/v1/admin/blocks). Exit code 1 when any block has a problem, 3 for an unknown block.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Block IDs to verify.") var ids: [String] = []
        @Flag(help: "Verify every block of the tenant.") var all = false
        @Option(name: .customLong("verify-timeout"), help: ArgumentHelp("Seconds to wait for each block's verification.", valueName: "seconds"))
        var verifyTimeout: Double = 600

        func validate() throws {
            if all && !ids.isEmpty { throw ValidationError("give block IDs or --all, not both") }
            if !all && ids.isEmpty { throw ValidationError("name the blocks to verify, or pass --all") }
            for id in ids { try BlocksCommand.checkID(id) }
            guard verifyTimeout > 0, verifyTimeout.isFinite else { throw ValidationError("--verify-timeout must be a positive number of seconds") }
        }

        func run() async throws {
            _ = try global.requireTenant(for: "blocks verify")
            try await withAdminClient(global) { client, out throws(AdminError) in
                var targets = ids
                if all {
                    let (_, json) = try await client.getJSON(BlocksCommand.path)
                    targets = json["blocks"].array.compactMap { $0["id"].string }
                }
                let bar = ProgressBar(enabled: global.showsProgress && targets.count > 1, total: Int64(targets.count), unit: .items("blocks"))
                var results: [(String, JSONValue)] = []
                for (i, id) in targets.enumerated() {
                    bar.update(done: Int64(i), label: id)
                    let response = try await client.expectSuccess(
                        .POST, "\(BlocksCommand.path)/\(id)/verify", body: .bytes(ByteBuffer()), contentType: "application/x-www-form-urlencoded",
                        timeout: .nanoseconds(Int64(verifyTimeout * 1e9)), notFound: "the tenant has no block \(id)")
                    results.append((id, try response.json("POST \(BlocksCommand.path)/\(id)/verify")))
                }
                bar.update(done: Int64(targets.count), label: "")
                bar.finish()
                let failed = results.filter { $0.1["ok"].bool != true }
                if out.json {
                    out.document(.object([("blocks", .array(results.map { id, result in
                        .object([("id", .string(id))] + result.members.map { ($0.key, $0.value) })
                    }))]))
                } else {
                    out.table(Table(headers: ["block", "ok", "series", "chunks", "samples", "problems"],
                                    rows: results.map { id, r in
                                        [id, r["ok"].cell, r["series"].cell, r["chunks"].cell, r["samples"].cell, String(r["problems"].array.count)]
                                    }, emptyText: "(no blocks)"))
                    for (id, r) in results {
                        for p in r["problems"].array { out.line("\(id): problem: \(p.cell)") }
                        for w in r["warnings"].array { out.line("\(id): warning: \(w.cell)") }
                    }
                }
                if !failed.isEmpty {
                    throw .operation("\(failed.count) of \(results.count) blocks failed verification: \(failed.map(\.0).joined(separator: ", "))")
                }
            }
        }
    }

    struct MarkNoCompact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-no-compact",
            abstract: "Keep a block out of compaction and downsampling (it is still queried).",
            discussion: """
            Uses POST /api/v1/admin/blocks/<id>/mark-no-compact with reason=<text>. Writes Mimir's \
            no-compact mark (<tenant>/<id>/no-compact-mark.json and <tenant>/markers/<id>-no-compact-mark.json) \
            with reason "manual" and the text as details. Remove both objects to undo.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The block ID (ULID).") var id: String
        @Option(help: "Why (recorded in the mark's details).") var reason: String

        func validate() throws {
            try BlocksCommand.checkID(id)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
            guard reason.utf8.count <= 1024 else { throw ValidationError("--reason is limited to 1024 bytes") }
        }

        func run() async throws {
            _ = try global.requireTenant(for: "blocks mark-no-compact")
            try await withAdminClient(global) { client, out throws(AdminError) in
                let response = try await client.postForm("\(BlocksCommand.path)/\(id)/mark-no-compact", form: [("reason", reason)],
                                                         notFound: "the tenant has no block \(id)")
                if out.json { return out.raw(response) }
                out.line("block \(id) marked no-compact")
            }
        }
    }
}

/// The block listing as a table, oldest first.
func blocksTable(_ json: JSONValue) -> Table {
    let blocks = json["blocks"].array.sorted { ($0["min_time"].int ?? 0, $0["id"].cell) < ($1["min_time"].int ?? 0, $1["id"].cell) }
    let rows = blocks.map { b -> [String] in
        var flags: [String] = []
        if b["deletion_marked"].bool == true { flags.append("deletion-marked") }
        if b["no_compact"].bool == true { flags.append("no-compact") }
        let min = Int64(b["min_time"].int ?? 0), max = Int64(b["max_time"].int ?? 0)
        let resolution = b["resolution"].int ?? 0
        return [
            b["id"].cell, Format.time(milliseconds: min), Format.duration(milliseconds: max - min),
            resolution == 0 ? "raw" : Format.duration(milliseconds: Int64(resolution)), b["compaction_level"].cell,
            b["num_series"].cell, b["num_samples"].cell, b["size_bytes"].int.map { Format.bytes(Int64($0)) } ?? "",
            flags.joined(separator: ","),
        ]
    }
    return Table(headers: ["id", "min time", "duration", "resolution", "level", "series", "samples", "size", "marks"], rows: rows,
                 emptyText: "(no blocks)")
}

/// `blocks inspect` for people: the block's facts, then its files.
func printInspection(_ json: JSONValue, out: Output) {
    let meta = json["meta"]
    var facts: [[String]] = [
        ["id", json["id"].cell],
        ["min time", meta["minTime"].int.map { Format.time(milliseconds: Int64($0)) } ?? ""],
        ["max time", meta["maxTime"].int.map { Format.time(milliseconds: Int64($0)) } ?? ""],
        ["series", meta["stats"]["numSeries"].cell],
        ["samples", meta["stats"]["numSamples"].cell],
        ["chunks", meta["stats"]["numChunks"].cell],
        ["compaction level", meta["compaction"]["level"].cell],
        ["sources", String(meta["compaction"]["sources"].array.count)],
        ["resolution", meta["thanos"]["downsample"]["resolution"].int.map { $0 == 0 ? "raw" : Format.duration(milliseconds: Int64($0)) } ?? "raw"],
        ["source", meta["thanos"]["source"].cell],
        ["external labels", meta["thanos"]["labels"].members.map { "\($0.key)=\($0.value.cell)" }.joined(separator: ",")],
        ["size", json["size_bytes"].int.map { Format.bytes(Int64($0)) } ?? ""],
        ["uploaded", json["uploaded_at"].double.map { Format.time(seconds: $0) } ?? ""],
    ]
    let deletion = json["deletion_mark"]
    facts.append(["deletion mark", deletion.isNull ? "none" : "since " + (deletion["deletion_time"].double.map { Format.time(seconds: $0) } ?? "?")])
    let noCompact = json["no_compact_mark"]
    facts.append(["no-compact mark", noCompact.isNull ? "none" : "\(noCompact["reason"].cell): \(noCompact["details"].cell)"])
    out.table(Table(headers: ["field", "value"], rows: facts))
    out.line("")
    out.table(Table(headers: ["file", "size"], rows: json["files"].array.map { [$0["path"].cell, $0["size_bytes"].cell] }))
}
