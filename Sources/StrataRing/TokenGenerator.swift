/// Generates random ring tokens that no other instance owns (Mimir's random token strategy).
public enum TokenGenerator {
    /// The number of tokens an instance takes by default (Mimir: `-ingester.ring.num-tokens`).
    public static let defaultTokenCount = 128

    /// Draws that give up after this many collisions per wanted token; only a ring with a
    /// substantial share of the 2^32 token space taken would get there.
    static let maxDrawsPerToken = 64

    /// Returns `count` sorted tokens, none of them in `taken` and none repeated.
    public static func generate<G: RandomNumberGenerator>(
        count: Int, taken: Set<UInt32>, using generator: inout G
    ) throws(RingError) -> [UInt32] {
        var fresh = Set<UInt32>()
        fresh.reserveCapacity(count)
        var draws = 0
        let maxDraws = max(count, 1) * maxDrawsPerToken
        while fresh.count < count {
            guard draws < maxDraws else {
                throw .tokenSpaceExhausted(wanted: count, found: fresh.count)
            }
            draws += 1
            let token = UInt32.random(in: UInt32.min...UInt32.max, using: &generator)
            if !taken.contains(token) { fresh.insert(token) }
        }
        return fresh.sorted()
    }

    /// Same as `generate(count:taken:using:)` with the system's random generator.
    public static func generate(count: Int, taken: Set<UInt32>) throws(RingError) -> [UInt32] {
        var generator = SystemRandomNumberGenerator()
        return try generate(count: count, taken: taken, using: &generator)
    }
}
