/// An amortised check of a query's deadline and cancellation, for every loop whose length a
/// client controls (steps, series, windows, subquery steps, empty steps included).
///
/// Each `tick` subtracts the work just done from a budget and only when the budget runs out
/// reads the clock, so a loop pays an integer subtraction per iteration and one clock read per
/// `interval` units of work: the deadline holds within well under a millisecond of work
/// however the work is shaped, at no measurable cost to a query.
struct InterruptCheck: Sendable {
    /// Units of work (iterations, or samples of a window) between two clock reads.
    static let interval = 4096

    /// When the query must give up.
    let deadline: ContinuousClock.Instant
    private var budget = InterruptCheck.interval

    /// A check against `deadline`.
    init(deadline: ContinuousClock.Instant) {
        self.deadline = deadline
    }

    /// Records `work` units of work (at least count 1 per iteration); every `interval` units,
    /// throws when the query was canceled or ran past its deadline.
    @inline(__always)
    mutating func tick(_ work: Int = 1) throws(QueryError) {
        budget &-= max(1, work)
        if budget <= 0 {
            budget = Self.interval
            try check()
        }
    }

    /// Throws now when the query was canceled or ran past its deadline.
    func check() throws(QueryError) {
        if Task.isCancelled { throw .canceled("expression evaluation") }
        if ContinuousClock.now >= deadline { throw .timeout("expression evaluation") }
    }
}
