/// Running statistics of one series while it is downsampled: the current window's count, sum,
/// min and max, and the reset-adjusted counter total since the chunk's first sample.
struct WindowAggregator {
    /// Samples added since the chunk began.
    private(set) var total = 0
    /// Samples in the current window.
    private(set) var count = 0
    /// Sum of the current window.
    private(set) var sum = 0.0
    /// Smallest value of the current window.
    private(set) var min = Double.greatestFiniteMagnitude
    /// Largest value of the current window.
    private(set) var max = -Double.greatestFiniteMagnitude
    /// Counter total: the first value, then every rise, and the whole value after a fall (reset).
    private(set) var counter = 0.0
    private var last = 0.0

    /// Starts a new window; the counter total carries on.
    mutating func startWindow() {
        count = 0
        sum = 0
        min = .greatestFiniteMagnitude
        max = -.greatestFiniteMagnitude
    }

    /// Adds one value to the window and to the counter total.
    mutating func add(_ v: Double) {
        if total == 0 {
            counter = v
        } else {
            counter += v < last ? v : v - last
        }
        last = v
        sum += v
        count += 1
        total += 1
        if v < min { min = v }
        if v > max { max = v }
    }
}
