import StrataModel
import Testing
@testable import StrataAdmin

/// Labels for tests (kept in one place so the import of StrataModel is explicit).
enum StrataAdminTestLabels {
    static func make(_ pairs: [String: String]) -> Labels { Labels(pairs) }
}

/// The tables printed from the servers' JSON answers.
@Suite("admin CLI renderings")
struct RenderTests {
    @Test("history: one row per day with the change from the day before and the biggest metric")
    func history() throws {
        let json = try JSONValue.parse(#"""
        {"days":[{"date":"2026-12-01","series_count_total":100,"metrics":[{"name":"a","series_count":60},{"name":"b","series_count":40}]},
                 {"date":"2026-12-02","series_count_total":50100,"metrics":[{"name":"bomb","series_count":50000},{"name":"a","series_count":60}]}]}
        """#)
        let all = historyTable(json, metric: nil)
        #expect(all.rows == [["2026-12-01", "100", "", "a (60)"], ["2026-12-02", "50100", "+50000", "bomb (50000)"]])
        let one = historyTable(json, metric: "a")
        #expect(one.headers == ["date", "series", "change"])
        #expect(one.rows == [["2026-12-01", "60", ""], ["2026-12-02", "60", "0"]])
    }

    @Test("delete requests: oldest first, times as RFC 3339, redactions spelled out")
    func deletes() throws {
        let json = try JSONValue.parse(#"""
        [{"request_id":"b","start_time":1764547200,"end_time":1764550800.5,"selectors":["{job=\"x\"}"],"status":"pending","created_at":20,"user":"alice"},
         {"request_id":"a","start_time":0,"end_time":1,"selectors":["up"],"status":"processed","created_at":10,"user":"","redact_label":"secret","redact_value":"gone"}]
        """#)
        let table = deletesTable(json)
        #expect(table.rows.map { $0[0] } == ["a", "b"])
        #expect(table.rows[1] == ["b", "pending", "2025-12-01T00:00:00Z", "2025-12-01T01:00:00.500Z", "1970-01-01T00:00:20Z", "alice", "{job=\"x\"}"])
        #expect(table.rows[0][6] == "up (redact secret → \"gone\")")
    }

    @Test("blocks: oldest first, resolution and marks in words")
    func blocks() throws {
        let json = try JSONValue.parse(#"""
        {"blocks":[{"id":"B","min_time":7200000,"max_time":14400000,"resolution":300000,"compaction_level":2,"num_series":3,"num_samples":90,"size_bytes":2048,"deletion_marked":true,"no_compact":true},
                   {"id":"A","min_time":0,"max_time":7200000,"resolution":0,"compaction_level":1,"num_series":1,"num_samples":10,"size_bytes":100,"deletion_marked":false,"no_compact":false}]}
        """#)
        let table = blocksTable(json)
        #expect(table.rows == [
            ["A", "1970-01-01T00:00:00Z", "2h", "raw", "1", "1", "10", "100 B", ""],
            ["B", "1970-01-01T02:00:00Z", "2h", "5m", "2", "3", "90", "2.0 KiB", "deletion-marked,no-compact"],
        ])
    }

    @Test("series print as Prometheus prints them, the name first")
    func series() throws {
        #expect(seriesText(try JSONValue.parse(#"{"pod":"p1","__name__":"up","job":"a\"b"}"#)) == #"up{job="a\"b", pod="p1"}"#)
        #expect(seriesText(try JSONValue.parse(#"{"__name__":"up"}"#)) == "up")
        #expect(seriesText(try JSONValue.parse(#"{"job":"x"}"#)) == #"{job="x"}"#)
    }
}
