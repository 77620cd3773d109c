import Foundation

/// The end of what a server the tests started wrote to its log file at `path` from `offset` on
/// (its last 1,500 characters), for error messages; "(no output)" when there is none.
func serverLogText(atPath path: String, from offset: UInt64) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "(no output)" }
    defer { try? handle.close() }
    try? handle.seek(toOffset: offset)
    let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    return text.isEmpty ? "(no output)" : String(text.suffix(1500))
}
