import StrataModel

/// Native histogram values in query results, as Prometheus's API writes them
/// (`jsonutil.MarshalHistogram`).
extension JSONWriter {
    /// `[t,{…}]`: a histogram point.
    mutating func histogramPoint(t: Int64, h: FloatHistogram) {
        byte(UInt8(ascii: "["))
        timestamp(t)
        byte(UInt8(ascii: ","))
        histogram(h)
        byte(UInt8(ascii: "]"))
    }

    /// `{"count":"…","sum":"…","buckets":[[rule,"lower","upper","count"],…]}`: count and sum
    /// as quoted floats, then every non-empty bucket from the lowest to the highest (the
    /// `buckets` field is left out when there are none). The boundary rule says which ends
    /// belong to the bucket: 0 upper only, 1 lower only, 2 neither, 3 both.
    mutating func histogram(_ h: FloatHistogram) {
        raw("{\"count\":")
        sampleValue(h.count)
        raw(",\"sum\":")
        sampleValue(h.sum)
        var first = true
        for bucket in h.allBuckets() where bucket.count != 0 {
            raw(first ? ",\"buckets\":[" : ",")
            first = false
            let rule: Int
            switch (bucket.lowerInclusive, bucket.upperInclusive) {
            case (true, true): rule = 3
            case (true, false): rule = 1
            case (false, true): rule = 0
            case (false, false): rule = 2
            }
            byte(UInt8(ascii: "["))
            int(Int64(rule))
            byte(UInt8(ascii: ","))
            sampleValue(bucket.lower)
            byte(UInt8(ascii: ","))
            sampleValue(bucket.upper)
            byte(UInt8(ascii: ","))
            sampleValue(bucket.count)
            byte(UInt8(ascii: "]"))
        }
        if !first { byte(UInt8(ascii: "]")) }
        byte(UInt8(ascii: "}"))
    }
}
