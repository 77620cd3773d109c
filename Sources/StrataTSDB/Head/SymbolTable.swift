import StrataModel

/// Interns label names and values so that each distinct string is stored once per head.
///
/// A Kubernetes fleet repeats the same few hundred names and values (`namespace`, `job`,
/// `kube-system`, …) across every series; without interning each series would hold its own
/// heap copy of every string. Strings of up to 15 UTF-8 bytes are stored inline by Swift and cost
/// nothing to share; longer ones share one reference-counted buffer.
struct SymbolTable {
    private var symbols: Set<String> = []

    /// The number of distinct strings held.
    var count: Int { symbols.count }

    /// True when `s` is held.
    func contains(_ s: String) -> Bool { symbols.contains(s) }

    /// The stored instance equal to `s`, inserting `s` when it is new.
    mutating func intern(_ s: String) -> String {
        symbols.insert(s).memberAfterInsert
    }

    /// Keeps only the strings some series still uses: the label names and values the postings
    /// index holds (the same instances, so interned labels keep sharing them). Called when a cut
    /// removed series, so that churned values such as old pod names do not stay forever.
    mutating func retainOnly(usedBy postings: Postings) {
        var kept = Set<String>(minimumCapacity: postings.index.count + postings.index.values.reduce(0) { $0 + $1.count })
        for (name, values) in postings.index {
            kept.insert(name)
            for value in values.keys { kept.insert(value) }
        }
        symbols = kept
    }

    /// `labels` rebuilt from interned strings.
    mutating func intern(_ labels: Labels) -> Labels {
        var out = ContiguousArray<Label>()
        out.reserveCapacity(labels.count)
        for label in labels {
            out.append(Label(name: intern(label.name), value: intern(label.value)))
        }
        return Labels(presorted: out)
    }
}
