import Foundation

/// The tokens file that keeps an instance's tokens across restarts
/// (Mimir: `-ingester.ring.tokens-file-path`), as JSON `{"tokens":[…]}` like Mimir's.
public enum TokensFile {
    private struct Stored: Codable {
        var tokens: [UInt32]
    }

    /// The tokens in `path`, or nil when the file does not exist.
    public static func load(path: String) throws(RingError) -> [UInt32]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .tokensFile(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(Stored.self, from: data).tokens.sorted()
        } catch {
            throw .tokensFile(path: path, reason: "not a JSON {\"tokens\":[…]} document")
        }
    }

    /// Writes `tokens` to `path` atomically (a crash leaves the old file or the new one).
    public static func store(_ tokens: [UInt32], path: String) throws(RingError) {
        do {
            let data = try JSONEncoder().encode(Stored(tokens: tokens.sorted()))
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .tokensFile(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
