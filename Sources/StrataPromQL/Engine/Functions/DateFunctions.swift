import StrataModel

/// `year`, `month`, `day_of_month`, `day_of_week`, `day_of_year`, `days_in_month`, `hour`,
/// `minute`: parts of UTC times given as Unix seconds (default: the step time).
enum DateFunctions {
    /// The parts of a UTC civil time.
    struct Civil {
        /// Calendar fields; `dayOfWeek` counts from Sunday = 0, `dayOfYear` from 1.
        var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, dayOfWeek: Int64, dayOfYear: Int64

        /// Splits Unix seconds into calendar fields (proleptic Gregorian, as Go's `time`).
        init(unixSeconds raw: Int64) {
            // Clamped (to about ±31 million years) so the arithmetic below cannot overflow for
            // NaN or huge inputs; Go's results there are meaningless too.
            let s = Swift.min(Swift.max(raw, -1_000_000_000_000_000), 1_000_000_000_000_000)
            let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
            let secondsOfDay = s - days * 86_400
            hour = secondsOfDay / 3600
            minute = (secondsOfDay % 3600) / 60
            // 1970-01-01 was a Thursday.
            dayOfWeek = ((days % 7) + 11) % 7
            // Days-to-civil conversion over 400-year eras (March-based years).
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            day = doy - (153 * mp + 2) / 5 + 1
            month = mp < 10 ? mp + 3 : mp - 9
            year = yoe + era * 400 + (month <= 2 ? 1 : 0)
            let cumulative: [Int64] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
            dayOfYear = cumulative[Int(month - 1)] + day + (month > 2 && Civil.isLeap(year) ? 1 : 0)
        }

        /// Gregorian leap year rule.
        static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

        /// The length of this date's month.
        var daysInMonth: Int64 {
            switch month {
            case 2: return Civil.isLeap(year) ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
    }

    /// An implementation extracting `part` from each sample's value, or from the step time.
    static func make(_ part: @escaping @Sendable (Civil) -> Int64) -> FunctionImplementation {
        { args, enh, _ throws(QueryError) in
            enh.out.removeAll(keepingCapacity: true)
            if args.vectors.isEmpty {
                let seconds = enh.ts >= 0 ? enh.ts / 1000 : -((-enh.ts) / 1000)
                enh.out.append(VectorSample(metric: .empty, t: enh.ts, f: Double(part(Civil(unixSeconds: seconds)))))
                return enh.out
            }
            for s in args.vectors[0] where s.h == nil {
                enh.out.append(VectorSample(metric: s.metric, t: enh.ts, f: Double(part(Civil(unixSeconds: goInt64(s.f)))), dropName: true))
            }
            return enh.out
        }
    }

    /// Go's `int64(f)` conversion as amd64 performs it (NaN and out-of-range give MinInt64).
    static func goInt64(_ f: Double) -> Int64 {
        guard f.isFinite, f > -9.223372036854775808e18, f < 9.223372036854775808e18 else { return Int64.min }
        return Int64(f)
    }

    /// The date functions by name.
    static let all: [String: FunctionImplementation] = [
        "year": make { $0.year },
        "month": make { $0.month },
        "day_of_month": make { $0.day },
        "day_of_week": make { $0.dayOfWeek },
        "day_of_year": make { $0.dayOfYear },
        "days_in_month": make { $0.daysInMonth },
        "hour": make { $0.hour },
        "minute": make { $0.minute },
    ]
}
