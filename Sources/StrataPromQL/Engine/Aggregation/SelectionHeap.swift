/// Binary-heap operations with Go's `container/heap` algorithm, so the selected series (and the
/// order of ties) match Prometheus exactly.
///
/// `bottom` picks the ordering: for `topk` (and limitk/limit_ratio) the smallest value is at the
/// root, for `bottomk` the largest. NaN always counts as the element to evict first.
enum SelectionHeap {
    /// The heap's "less": NaN first, then ascending (top) or descending (bottom).
    @inline(__always)
    static func less(_ a: Double, _ b: Double, bottom: Bool) -> Bool {
        if a.isNaN { return true }
        return bottom ? a > b : a < b
    }

    /// `heap.Push`.
    static func push(_ h: inout ContiguousArray<SelectionEntry>, _ e: SelectionEntry, bottom: Bool) {
        h.append(e)
        up(&h, h.count - 1, bottom: bottom)
    }

    /// `heap.Fix(h, 0)` after the root was replaced.
    static func fixRoot(_ h: inout ContiguousArray<SelectionEntry>, bottom: Bool) {
        if !down(&h, 0, h.count, bottom: bottom) { up(&h, 0, bottom: bottom) }
    }

    private static func up(_ h: inout ContiguousArray<SelectionEntry>, _ j0: Int, bottom: Bool) {
        var j = j0
        while j > 0 {
            let i = (j - 1) / 2
            if !less(h[j].f, h[i].f, bottom: bottom) { break }
            h.swapAt(i, j)
            j = i
        }
    }

    private static func down(_ h: inout ContiguousArray<SelectionEntry>, _ i0: Int, _ n: Int, bottom: Bool) -> Bool {
        var i = i0
        while true {
            let j1 = 2 * i + 1
            if j1 >= n { break }
            var j = j1
            let j2 = j1 + 1
            if j2 < n && less(h[j2].f, h[j1].f, bottom: bottom) { j = j2 }
            if !less(h[j].f, h[i].f, bottom: bottom) { break }
            h.swapAt(i, j)
            i = j
        }
        return i > i0
    }

    /// Orders a finished heap best-first (`sort.Sort(sort.Reverse(heap))`): Go sorts up to 12
    /// elements by insertion sort, reproduced here step for step so ties and NaNs land where
    /// Prometheus puts them; longer heaps are sorted best-first with NaN last.
    static func sortBestFirst(_ h: inout ContiguousArray<SelectionEntry>, bottom: Bool) {
        let n = h.count
        if n <= 1 { return }
        if n <= 12 {
            for i in 1..<n {
                var j = i
                // Reverse(heap).Less(j, j-1) is heap.Less(j-1, j).
                while j > 0 && less(h[j - 1].f, h[j].f, bottom: bottom) {
                    h.swapAt(j, j - 1)
                    j -= 1
                }
            }
            return
        }
        h.sort { a, b in
            if a.f.isNaN { return false }
            if b.f.isNaN { return true }
            return bottom ? a.f < b.f : a.f > b.f
        }
    }
}
