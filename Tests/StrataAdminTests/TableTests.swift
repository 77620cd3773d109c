import Testing
@testable import StrataAdmin

@Suite("admin CLI tables and formats")
struct TableTests {
    @Test("columns are padded to the widest cell, numbers right-aligned, headers upper-case")
    func alignment() {
        let table = Table(headers: ["metric", "series"], rows: [["http_requests_total", "50000"], ["up", "3"]])
        #expect(table.render() == """
        METRIC               SERIES
        http_requests_total   50000
        up                        3

        """)
    }

    @Test("an empty table prints its headers and the empty text; short rows are padded; no trailing spaces")
    func emptyAndShortRows() {
        #expect(Table(headers: ["id", "size"], emptyText: "(no blocks)").render() == "ID  SIZE\n(no blocks)\n")
        let table = Table(headers: ["a", "b", "c"], rows: [["x"], ["longer", "1.5 KiB", "y"]])
        let lines = table.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "x")
        #expect(lines[2] == "longer  1.5 KiB  y")
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
    }

    @Test("sizes, percentages and durations count as numbers; text does not")
    func numericCells() {
        for cell in ["12", "-3.5", "1e+06", "45.00%", "12.3 MiB", "0 B", "1.5s"] { #expect(Table.looksNumeric(cell), "\(cell)") }
        for cell in ["raw", "01JQ8Z5M0RSZ3DS1E7W0Y6Q2KX", "2026-12-01T00:00:00Z", "p1"] { #expect(!Table.looksNumeric(cell), "\(cell)") }
    }

    @Test("bytes, times and durations read as people expect")
    func formats() {
        #expect(Format.bytes(512) == "512 B")
        #expect(Format.bytes(1536) == "1.5 KiB")
        #expect(Format.bytes(3 * 1024 * 1024 * 1024) == "3.0 GiB")
        #expect(Format.time(milliseconds: 1_764_547_200_000) == "2025-12-01T00:00:00Z")
        #expect(Format.time(milliseconds: 1_764_547_200_123) == "2025-12-01T00:00:00.123Z")
        #expect(Format.time(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(Format.duration(milliseconds: 7_200_000) == "2h")
        #expect(Format.duration(milliseconds: 90_061_001) == "1d1h1m1.001s")
        #expect(Format.duration(milliseconds: 0) == "0s")
    }
}
