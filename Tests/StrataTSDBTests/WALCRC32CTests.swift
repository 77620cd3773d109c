import StrataTSDB
import Testing
import StrataModel

/// Bit-at-a-time CRC-32C, the definition the table version must agree with.
private func referenceCRC32C(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

@Suite("WAL CRC-32C")
struct WALCRC32CTests {
    @Test("standard check value")
    func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("matches the bitwise definition for every length and alignment, and chains")
    func matchesReference() {
        var rng = WALTestRNG(seed: 5)
        let data = rng.bytes(300)
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                let slice = Array(data[start..<end])
                #expect(CRC32C.checksum(slice) == referenceCRC32C(slice))
            }
        }
        let whole = CRC32C.checksum(data)
        let chained = data.withUnsafeBytes { raw in
            CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[0..<123])), UnsafeRawBufferPointer(rebasing: raw[123...]))
        }
        #expect(chained == whole)
    }
}
