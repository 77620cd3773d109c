import Foundation
import Synchronization

/// A one-line progress bar on stderr (`[#########           ]  45%  12.0 MiB / 27.0 MiB  index`),
/// redrawn in place at most ten times a second and ended with a newline.
///
/// Drawn only when asked (`--progress`) or when stderr is a terminal, so scripts that capture
/// stderr get the messages and not a stream of carriage returns.
final class ProgressBar: Sendable {
    /// What the counts measure.
    enum Unit: Sendable {
        /// Bytes, shown as KiB/MiB/GiB.
        case bytes
        /// Plain counts (`3 / 12 blocks`).
        case items(String)
    }

    private struct State {
        var done: Int64 = 0
        var label = ""
        var lastDraw: ContinuousClock.Instant? = nil
        var finished = false
    }

    private let enabled: Bool
    private let total: Int64
    private let unit: Unit
    private let state = Mutex(State())
    /// Width of the bar between the brackets.
    static let width = 30

    init(enabled: Bool, total: Int64, unit: Unit) {
        self.enabled = enabled
        self.total = max(0, total)
        self.unit = unit
    }

    /// Sets the amount done so far and what is being worked on; redraws when due.
    func update(done: Int64, label: String? = nil) {
        guard enabled else { return }
        let line: String? = state.withLock { s in
            s.done = min(done, total)
            if let label { s.label = label }
            let now = ContinuousClock.now
            if let last = s.lastDraw, now - last < .milliseconds(100), s.done < total { return nil }
            s.lastDraw = now
            return render(s)
        }
        if let line { Self.write("\r" + line) }
    }

    /// The amount done so far.
    var done: Int64 { state.withLock { $0.done } }

    /// Adds to the amount done.
    func advance(by n: Int64, label: String? = nil) {
        let current = state.withLock { $0.done }
        update(done: current + n, label: label)
    }

    /// Prints a message line on stderr above the bar (the bar is drawn again below it).
    func note(_ text: String) {
        guard enabled else { return Self.write(text + "\n") }
        let line: String? = state.withLock { s in s.finished ? nil : render(s) }
        Self.write("\r\u{1B}[K" + text + "\n" + (line.map { "\r" + $0 } ?? ""))
    }

    /// Draws the final state and ends the line.
    func finish() {
        guard enabled else { return }
        let line: String? = state.withLock { s in
            guard !s.finished else { return nil }
            s.finished = true
            return render(s)
        }
        if let line { Self.write("\r" + line + "\n") }
    }

    private func render(_ s: State) -> String {
        let fraction = total == 0 ? 1 : Double(s.done) / Double(total)
        let filled = Int((fraction * Double(Self.width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: Self.width - filled)
        let amount: String
        switch unit {
        case .bytes: amount = "\(Format.bytes(s.done)) / \(Format.bytes(total))"
        case .items(let name): amount = "\(s.done) / \(total) \(name)"
        }
        let percent = String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
        var line = "[\(bar)] \(percent)  \(amount)"
        if !s.label.isEmpty { line += "  \(s.label)" }
        // Clear what a longer previous line left behind.
        return line + "\u{1B}[K"
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
