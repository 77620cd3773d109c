/// Set operations on sorted, duplicate-free lists of series references.
///
/// These run once per matcher on lists that can hold millions of references, so they work on
/// raw buffers and gallop (exponential search) when one side is much shorter.
public enum Postings {
    /// Size ratio above which intersection gallops through the longer list.
    static let gallopRatio = 16

    /// Elements in both `a` and `b`.
    public static func intersect(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        if a.count > b.count { return intersect(b, a) }
        if a.isEmpty { return [] }
        var out: [SeriesRef] = []
        out.reserveCapacity(a.count)
        a.withUnsafeBufferPointer { small in
            b.withUnsafeBufferPointer { large in
                var j = 0
                let gallop = large.count / max(small.count, 1) >= gallopRatio
                for x in small {
                    if gallop {
                        // Exponential then binary search for the first element >= x.
                        var step = 1
                        var hi = j
                        while hi < large.count && large[hi] < x {
                            j = hi + 1
                            hi = j + step
                            step &<<= 1
                        }
                        hi = min(hi, large.count)
                        while j < hi {
                            let mid = (j + hi) >> 1
                            if large[mid] < x { j = mid + 1 } else { hi = mid }
                        }
                    } else {
                        while j < large.count && large[j] < x { j += 1 }
                    }
                    if j == large.count { break }
                    if large[j] == x {
                        out.append(x)
                        j += 1
                    }
                }
            }
        }
        return out
    }

    /// Elements of `a` not in `b`.
    public static func subtract(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        if b.isEmpty || a.isEmpty { return a }
        var out: [SeriesRef] = []
        out.reserveCapacity(a.count)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var j = 0
                for x in pa {
                    while j < pb.count && pb[j] < x { j += 1 }
                    if j < pb.count && pb[j] == x { continue }
                    out.append(x)
                }
            }
        }
        return out
    }

    /// Elements in any of `lists`.
    public static func union(_ lists: [[SeriesRef]]) -> [SeriesRef] {
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        case 2: return merge(lists[0], lists[1])
        default:
            // Pairwise merging keeps each step linear and the total O(n log k).
            var level = lists
            while level.count > 1 {
                var next: [[SeriesRef]] = []
                next.reserveCapacity((level.count + 1) / 2)
                var i = 0
                while i + 1 < level.count {
                    next.append(merge(level[i], level[i + 1]))
                    i += 2
                }
                if i < level.count { next.append(level[i]) }
                level = next
            }
            return level[0]
        }
    }

    static func merge(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [SeriesRef] = []
        out.reserveCapacity(a.count + b.count)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var i = 0
                var j = 0
                while i < pa.count && j < pb.count {
                    let x = pa[i], y = pb[j]
                    if x < y {
                        out.append(x)
                        i += 1
                    } else if y < x {
                        out.append(y)
                        j += 1
                    } else {
                        out.append(x)
                        i += 1
                        j += 1
                    }
                }
                while i < pa.count { out.append(pa[i]); i += 1 }
                while j < pb.count { out.append(pb[j]); j += 1 }
            }
        }
        return out
    }
}
