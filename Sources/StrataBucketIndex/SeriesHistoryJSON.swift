import StrataModel

/// `strata_series_history` in `bucket-index.json`: `{"top_metrics_per_day": 50, "days":
/// [{"date": "2026-12-01", "series": 1234, "metrics": {"up": 12, …}}, …]}`.
///
/// Decoding is lenient: a malformed day is skipped and a malformed field reads as absent, so a
/// damaged history never makes the index (and the blocks it lists) unreadable.
struct SeriesHistoryJSON: Codable {
    var top_metrics_per_day: Int
    var days: [DayJSON]

    struct DayJSON: Codable {
        var date: String
        var series: Int
        var metrics: [String: Int]
    }

    /// Skips elements of a JSON array that fail to decode.
    private struct Lenient<T: Decodable>: Decodable {
        let value: T?
        init(from decoder: any Decoder) {
            value = try? T(from: decoder)
        }
    }

    init(_ history: SeriesHistory) {
        top_metrics_per_day = SeriesHistory.topMetricsPerDay
        days = history.days.map { DayJSON(date: $0.day.description, series: $0.seriesTotal, metrics: $0.metrics) }
    }

    enum CodingKeys: String, CodingKey {
        case top_metrics_per_day
        case days
    }

    init(from decoder: any Decoder) {
        let c = try? decoder.container(keyedBy: CodingKeys.self)
        top_metrics_per_day = (try? c?.decodeIfPresent(Int.self, forKey: .top_metrics_per_day)) ?? SeriesHistory.topMetricsPerDay
        let items = (try? c?.decodeIfPresent([Lenient<DayJSON>].self, forKey: .days)) ?? []
        days = items.compactMap(\.value)
    }

    /// The history; days with a date that is not `yyyy-mm-dd` are dropped, negative counts read as 0.
    var history: SeriesHistory {
        SeriesHistory(days: days.compactMap { d in
            guard let day = UTCDay(d.date) else { return nil }
            return SeriesHistory.Day(day: day, seriesTotal: max(0, d.series), metrics: d.metrics.filter { $0.value >= 0 })
        })
    }
}
