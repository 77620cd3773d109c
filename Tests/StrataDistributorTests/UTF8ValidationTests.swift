@testable import StrataDistributor
import Testing

/// The word-at-a-time ASCII fast path must agree with full UTF-8 decoding at every length and
/// position of a non-ASCII byte.
@Suite struct UTF8ValidationTests {
    static func check(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { SeriesValidator.isValidUTF8($0) }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 15, 16, 17, 64, 100])
    func agreesWithStringDecoding(length: Int) {
        let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: length)
        #expect(Self.check(ascii))
        for position in 0..<length {
            var invalid = ascii
            invalid[position] = 0xff
            #expect(!Self.check(invalid), "0xff at \(position) of \(length) accepted")
            if position + 1 < length {
                var valid = ascii
                valid[position] = 0xC3   // "é" as C3 A9
                valid[position + 1] = 0xA9
                #expect(Self.check(valid), "é at \(position) of \(length) refused")
                var truncated = ascii
                truncated[position] = 0xC3  // lead byte followed by ASCII
                #expect(!Self.check(truncated))
            }
        }
    }
}
