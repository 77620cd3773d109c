import StrataModel

/// A histogram printed as Go's `FloatHistogram.String()` (what `count_values` writes into its
/// label for a histogram): `{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}` — count
/// and sum, then every non-empty bucket from the lowest, the zero bucket when it holds
/// observations, numbers as Go's `%g`.
enum HistogramGoString {
    static func string(_ h: FloatHistogram) -> String {
        var out = "{count:\(GoFloat.format(h.count, .shortest)), sum:\(GoFloat.format(h.sum, .shortest))"
        func append(_ b: HistogramBucket) {
            out += ", " + (b.lowerInclusive ? "[" : "(") + GoFloat.format(b.lower, .shortest) + ","
                + GoFloat.format(b.upper, .shortest) + (b.upperInclusive ? "]" : ")") + ":" + GoFloat.format(b.count, .shortest)
        }
        for b in h.negativeBucketList().reversed() where b.count != 0 { append(b) }
        if h.zeroCount != 0 { append(h.zeroBucket) }
        for b in h.positiveBucketList() where b.count != 0 { append(b) }
        return out + "}"
    }
}
