import StrataModel
import Testing

/// UTC days: the key of the cardinality history and of the query log.
@Suite struct UTCDayTests {
    @Test("days from milliseconds, their text and back")
    func textRoundTrip() {
        #expect(UTCDay(milliseconds: 0).description == "1970-01-01")
        #expect(UTCDay(milliseconds: -1).description == "1969-12-31")
        #expect(UTCDay(milliseconds: 86_399_999).number == 0 && UTCDay(milliseconds: 86_400_000).number == 1)
        // 2024-02-29T12:00:00Z, a leap day; 2026-12-07T00:00:00Z.
        #expect(UTCDay(milliseconds: 1_709_208_000_000).description == "2024-02-29")
        #expect(UTCDay(milliseconds: 1_796_601_600_000).description == "2026-12-07")
        // Years 0001 to 9999: the four-digit years the text form holds.
        for n in stride(from: Int64(-719_162), through: 2_932_896, by: 997) {
            let day = UTCDay(number: n)
            #expect(UTCDay(day.description) == day, "\(n): \(day)")
            #expect(day.startMilliseconds == n * 86_400_000)
        }
    }

    @Test("only real calendar dates parse")
    func parsing() {
        #expect(UTCDay("2024-02-29")?.adding(days: 1).description == "2024-03-01")
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-4-1", "24-04-01", "2024/04/01", "2024-04-01x", "", "abcd-ef-gh"] {
            #expect(UTCDay(bad) == nil, "\(bad)")
        }
        #expect(UTCDay("1900-02-28") != nil && UTCDay("1900-02-29") == nil && UTCDay("2000-02-29") != nil)
    }
}
