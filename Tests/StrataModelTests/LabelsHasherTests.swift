import StrataModel
import Testing

/// The hasher must give the same hash however the bytes are split into `add` calls, and match
/// the published xxHash64 values.
@Suite struct LabelsHasherTests {
    @Test func emptyInputIsPublishedXXHash64() {
        // xxHash64 (seed 0) of no bytes is 0xEF46DB3751D8E999.
        #expect(LabelsHasher().finish() == 0xEF46_DB37_51D8_E999)
    }

    @Test(arguments: [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 300])
    func splitsDoNotMatter(length: Int) {
        let a = String(repeating: "a", count: length) + "é"
        let b = String((0..<length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
        var whole = LabelsHasher()
        whole.add(a)
        whole.add(b)
        let labels = Labels([Label(name: a, value: b)])
        #expect(labels.stableHash == whole.finish())
        // The batch hashes the same strings from byte ranges of its buffer.
        var batch = SeriesBatch()
        batch.append(labels: labels, samples: [])
        #expect(batch.stableHash(of: 0) == labels.stableHash)
    }

    @Test func differentSplitsOfLabelsDiffer() {
        let x = Labels([Label(name: "a", value: "bc")])
        let y = Labels([Label(name: "ab", value: "c")])
        #expect(x.stableHash != y.stableHash)
    }
}
