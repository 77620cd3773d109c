import StrataModel
import Testing

@Suite struct LabelsTests {
    @Test func sortsByNameAndLaterDuplicatesWin() {
        let labels = Labels([Label(name: "job", value: "a"), Label(name: "__name__", value: "up"), Label(name: "job", value: "b")])
        #expect(labels.map(\.name) == ["__name__", "job"])
        #expect(labels["job"] == "b")
        #expect(labels.metricName == "up")
        #expect(labels.count == 2)
    }

    @Test func equalContentHashesEqually() {
        let a = Labels(["b": "2", "a": "1"])
        let b = Labels([Label(name: "a", value: "1"), Label(name: "b", value: "2")])
        #expect(a == b)
        #expect(a.stableHash == b.stableHash)
        #expect(a.stableHash != Labels(["a": "1", "b": "3"]).stableHash)
    }

    @Test func separatorKeepsBoundariesApart() {
        #expect(Labels(["a": "bc"]).stableHash != Labels(["ab": "c"]).stableHash)
    }

    @Test func descriptionIsPrometheusNotation() {
        #expect(Labels(["__name__": "up", "job": "api", "env": "p\"q"]).description == #"up{env="p\"q", job="api"}"#)
        #expect(Labels(["__name__": "up"]).description == "up")
        #expect(Labels(["job": "x"]).description == #"{job="x"}"#)
        #expect(Labels.empty.description == "{}")
    }

    @Test func ordering() {
        #expect(Labels(["a": "1"]) < Labels(["a": "2"]))
        #expect(Labels(["a": "1"]) < Labels(["a": "1", "b": "1"]))
        #expect(!(Labels(["b": "1"]) < Labels(["a": "9"])))
    }

    @Test func quoteEscapes() {
        #expect(quoteLabelValue("a\\b\n\t\"") == #""a\\b\n\t\"""#)
    }

    @Test func seriesBatchHashMatchesLabels() {
        let labels = Labels(["__name__": "up", "job": "api"])
        var batch = SeriesBatch()
        batch.append(labels: labels, samples: [Sample(timestamp: 1, value: 1)])
        #expect(batch.stableHash(of: 0) == labels.stableHash)
        #expect(batch.labels(of: 0) == labels)
        #expect(batch.labelValue(series: 0, named: "job") == "api")
        #expect(batch.labelValue(series: 0, named: "nope") == nil)
    }

    @Test func seriesBatchKeepingSharesSamples() {
        var batch = SeriesBatch()
        batch.append(labels: Labels(["__name__": "a"]), samples: [Sample(timestamp: 1, value: 1)])
        batch.append(labels: Labels(["__name__": "b"]), samples: [Sample(timestamp: 2, value: 2), Sample(timestamp: 3, value: 3)])
        let kept = batch.keeping(series: [1])
        #expect(kept.series.count == 1)
        #expect(kept.sampleCount == 2)
        #expect(kept.labels(of: 0).metricName == "b")
        #expect(Array(kept.samples(of: 0)).map(\.timestamp) == [2, 3])
    }
}
