import ArgumentParser
import Foundation

/// `strata admin tenants …`: which tenants exist, their limits, and deleting one.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "List tenants, show a tenant's effective limits, delete a tenant.",
        subcommands: [List.self, Limits.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Tenants with blocks in the bucket or series in this process's ingester.",
            discussion: "Uses GET /api/v1/admin/tenants (Strata's; no --tenant needed). Blocks and bytes come from each tenant's bucket index."
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/api/v1/admin/tenants")
                if out.json { return out.raw(response) }
                let rows = json["tenants"].array.map { t -> [String] in
                    [
                        t["id"].cell, t["blocks"].cell, t["bytes"].int.map { Format.bytes(Int64($0)) } ?? "",
                        t["min_time"].int.map { Format.time(milliseconds: Int64($0)) } ?? "",
                        t["max_time"].int.map { Format.time(milliseconds: Int64($0)) } ?? "",
                        t["head_series"].cell,
                    ]
                }
                out.table(Table(headers: ["tenant", "blocks", "size", "min time", "max time", "head series"], rows: rows))
            }
        }
    }

    struct Limits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "limits",
            abstract: "The tenant's effective limits: defaults with its runtime overrides applied.",
            discussion: "Uses GET /api/v1/user_limits (Mimir's path; every limit under its YAML key)."
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            _ = try global.requireTenant(for: "tenants limits")
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await client.getJSON("/api/v1/user_limits")
                if out.json { return out.raw(response) }
                out.table(Table(headers: ["limit", "value"], rows: json.members.map { [$0.key, $0.value.cell] }))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete every block and series of the tenant (asks for --yes).",
            discussion: """
            Uses POST /api/v1/tenant_delete (Mimir's), then with --wait polls \
            GET /api/v1/tenant_delete_status until the tenant's blocks are gone from the bucket.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Confirm the deletion (nothing is deleted without it).") var yes = false
        @Flag(help: "Wait until the blocks are deleted from the bucket.") var wait = false
        @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Seconds to wait with --wait.", valueName: "seconds"))
        var waitTimeout: Double = 600

        func validate() throws {
            guard waitTimeout > 0, waitTimeout.isFinite else { throw ValidationError("--wait-timeout must be a positive number of seconds") }
        }

        func run() async throws {
            let tenant = try global.requireTenant(for: "tenants delete")
            guard yes else {
                throw AdminError.usage("deleting tenant \(tenant) removes all its data for good: add --yes to confirm")
            }
            try await withAdminClient(global) { client, out throws(AdminError) in
                _ = try await client.postForm("/api/v1/tenant_delete")
                out.note("tenant \(tenant) marked for deletion")
                var deleted = false
                var status = JSONValue.null
                if wait {
                    let deadline = ContinuousClock.now + .milliseconds(Int64(waitTimeout * 1000))
                    while true {
                        let (_, json) = try await client.getJSON("/api/v1/tenant_delete_status")
                        status = json
                        if json["blocks_deleted"].bool == true {
                            deleted = true
                            break
                        }
                        guard ContinuousClock.now < deadline else {
                            throw .operation("tenant \(tenant)'s blocks are still in the bucket after \(Int(waitTimeout)) s; the compactor deletes them at its next cleanup (see `strata admin tenants delete --wait-timeout`)")
                        }
                        try? await Task.sleep(for: .seconds(2))
                    }
                }
                if out.json {
                    return out.document(.object([("tenant_id", .string(tenant)), ("marked", .bool(true)),
                                                 ("blocks_deleted", wait ? .bool(deleted) : status["blocks_deleted"])]))
                }
                out.line(wait ? "tenant \(tenant) deleted: no blocks left in the bucket" : "tenant \(tenant) marked for deletion; the compactor deletes its blocks (check with --wait)")
            }
        }
    }
}
