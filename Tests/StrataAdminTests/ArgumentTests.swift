import ArgumentParser
import Foundation
import Testing
@testable import StrataAdmin

/// Arguments are checked before anything is sent: a bad one is a usage error (exit 2) with a
/// message naming the option.
@Suite("admin CLI arguments")
struct ArgumentTests {
    /// The message ArgumentParser prints for `arguments`, or nil when they parse.
    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try AdminCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return AdminCommand.fullMessage(for: error)
        }
    }

    @Test("bad arguments are refused with a message naming what is wrong")
    func refusals() {
        let cases: [([String], String)] = [
            (["series", "delete", "--start", "0", "--end", "1"], "--match"),
            (["series", "delete", "--match", "up", "--start", "soon", "--end", "1"], "--start"),
            (["series", "delete", "--match", "up", "--start", "10", "--end", "2"], "before --start"),
            (["series", "delete", "--match", "up", "--start", "0", "--end", "1", "--redact-value", "x"], "--redact-label"),
            (["series", "delete", "--match", "up", "--start", "0", "--end", "1", "--redact-label", "__name__", "--redact-value", "x"], "__name__"),
            (["blocks", "inspect", "01jq8z5m0rsz3ds1e7w0y6q2kx"], "not a block ID"),
            (["blocks", "verify"], "--all"),
            (["blocks", "verify", "--all", "01JQ8Z5M0RSZ3DS1E7W0Y6Q2KX"], "not both"),
            (["cardinality", "values"], "--label"),
            (["cardinality", "values", "--label", "9lives"], "9lives"),
            (["cardinality", "history", "--days", "401"], "--days"),
            (["cardinality", "top", "--limit", "0"], "--limit"),
            (["tenants", "list", "--output", "yaml"], "output"),
            (["tenants", "list", "--timeout", "0"], "--timeout"),
            (["tenants", "list", "--address", "ftp://host"], "--address"),
            (["tenants", "list", "--tenant", "a|b"], "one tenant"),
            (["ring", "show", "--ring", "compactor"], "ring"),
            (["backfill"], "block directory"),
        ]
        for (arguments, mention) in cases {
            let message = Self.refusal(arguments)
            #expect(message?.contains(mention) == true, "\(arguments): \(message ?? "accepted")")
        }
    }

    @Test("good arguments parse, in any order around the subcommand")
    func accepted() {
        for arguments in [
            ["series", "delete", "--match", "{job=\"x\"}", "--match", "up", "--start", "2025-11-30T23:00:00Z", "--end", "1764547200.5"],
            ["blocks", "verify", "01JQ8Z5M0RSZ3DS1E7W0Y6Q2KX", "01JQ8Z5M0RSZ3DS1E7W0Y6Q2KY", "--tenant", "t"],
            ["cardinality", "values", "--label", "job", "--label", "__name__", "--limit", "5", "--output", "json"],
            ["ring", "forget", "ingester-3", "--ring", "store-gateway"],
            ["backfill", "--dry-run", "/tmp/a", "/tmp/b", "--address", "https://strata.example:8443/"],
        ] {
            #expect(Self.refusal(arguments) == nil, "\(arguments): \(Self.refusal(arguments) ?? "")")
        }
    }

    @Test("usage errors exit 2, help exits 0, an unreachable server exits 4")
    func exitCodes() async {
        #expect(await StrataAdmin.main(arguments: ["blocks", "verify"]) == AdminExit.usage)
        #expect(await StrataAdmin.main(arguments: ["no-such-command"]) == AdminExit.usage)
        #expect(await StrataAdmin.main(arguments: ["tenants", "limits"]) == AdminExit.usage, "a command needing a tenant without one")
        #expect(await StrataAdmin.main(arguments: ["blocks", "--help"]) == AdminExit.success)
        // Port 9 (discard) on loopback: nothing listens in the test environment.
        #expect(await StrataAdmin.main(arguments: ["tenants", "list", "--address", "http://127.0.0.1:9"]) == AdminExit.unreachable)
    }

    @Test("times: Unix seconds or RFC 3339")
    func times() {
        #expect(TimeArgument("1764547200")?.milliseconds == 1_764_547_200_000)
        #expect(TimeArgument("1764547200.25")?.milliseconds == 1_764_547_200_250)
        #expect(TimeArgument("2025-12-01T00:00:00Z")?.milliseconds == 1_764_547_200_000)
        #expect(TimeArgument("2025-12-01T01:00:00.5+01:00")?.milliseconds == 1_764_547_200_500)
        #expect(TimeArgument("yesterday") == nil)
        #expect(TimeArgument("2025-12-01") == nil)
        #expect(TimeArgument("NaN") == nil)
    }

    @Test("the backfill probe selects exactly the series, with values quoted")
    func probeSelector() {
        let labels = StrataAdminTestLabels.make(["__name__": "up", "path": "/a\"b\\c"])
        #expect(BackfillCommand.selector(labels) == #"{__name__="up", path="/a\"b\\c"}"#)
    }
}
