import StrataLimits
import StrataModel
import Testing

@Suite struct OverridesTests {
    private func tenant(_ raw: String) throws -> TenantID { try TenantID(validating: raw) }

    @Test func tenantsWithoutOverrideGetDefaults() throws {
        var defaults = Limits()
        defaults.ingestionRate = 42
        let overrides = Overrides(defaults: defaults)
        #expect(overrides.limits(for: try tenant("nobody")) == defaults)
        #expect(overrides.defaults == defaults)
        #expect(overrides.tenantOverrides.isEmpty)
    }

    @Test func overridesApplyOnTopOfDefaults() throws {
        var defaults = Limits()
        defaults.maxLabelNamesPerSeries = 40
        let overrides = Overrides(defaults: defaults)
        try overrides.apply(runtimeConfigYAML: """
            overrides:
              team-a:
                ingestion_rate: 500
                creation_grace_period: 1h
              team-b:
                max_label_names_per_series: 10
            """, source: "runtime config test.yaml")
        let a = overrides.limits(for: try tenant("team-a"))
        #expect(a.ingestionRate == 500)
        #expect(a.creationGracePeriod == .seconds(3_600))
        #expect(a.maxLabelNamesPerSeries == 40)
        #expect(overrides.limits(for: try tenant("team-b")).maxLabelNamesPerSeries == 10)
        #expect(overrides.limits(for: try tenant("team-c")) == defaults)
        #expect(Set(overrides.tenantOverrides.keys.map(\.rawValue)) == ["team-a", "team-b"])
    }

    @Test func badDocumentLeavesTheOldOneInForce() throws {
        let overrides = Overrides(defaults: Limits())
        try overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    ingestion_rate: 500\n", source: "runtime config r.yaml")
        // team-b is valid, team-a is not: nothing of the document may be applied.
        #expect(throws: LimitsError.invalidValue(path: "runtime config r.yaml: overrides.team-a.ingestion_rate",
                                                 expected: "a number", got: #""fast""#)) {
            try overrides.apply(runtimeConfigYAML: """
                overrides:
                  team-b:
                    ingestion_rate: 1
                  team-a:
                    ingestion_rate: fast
                """, source: "runtime config r.yaml")
        }
        #expect(overrides.limits(for: try tenant("team-a")).ingestionRate == 500)
        #expect(overrides.limits(for: try tenant("team-b")).ingestionRate == 10_000)
    }

    @Test func emptyDocumentClearsOverrides() throws {
        let overrides = Overrides(defaults: Limits())
        try overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    ingestion_rate: 500\n", source: "r")
        try overrides.apply(runtimeConfigYAML: "", source: "r")
        #expect(overrides.tenantOverrides.isEmpty)
        try overrides.apply(runtimeConfigYAML: "overrides:\n", source: "r")
        #expect(overrides.tenantOverrides.isEmpty)
    }

    @Test func structuralErrors() throws {
        let overrides = Overrides(defaults: Limits())
        #expect(throws: LimitsError.unknownKey(path: "r: override", known: ["overrides"])) {
            try overrides.apply(runtimeConfigYAML: "override:\n  a: {}\n", source: "r")
        }
        #expect(throws: LimitsError.invalidTenant(path: "r: overrides.a/b", reason: "tenant ID 'a/b' contains unsupported character '/'")) {
            try overrides.apply(runtimeConfigYAML: "overrides:\n  a/b:\n    ingestion_rate: 1\n", source: "r")
        }
        #expect(throws: LimitsError.invalidValue(path: "r: overrides", expected: "a mapping of tenant ID to limits", got: "a list")) {
            try overrides.apply(runtimeConfigYAML: "overrides: [1]\n", source: "r")
        }
        do {
            try overrides.apply(runtimeConfigYAML: "overrides: {a: [", source: "r")
            Issue.record("broken YAML accepted")
        } catch {
            guard case .invalidYAML(let source, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(source == "r")
        }
    }

    @Test func concurrentReadsDuringSwapsSeeWholeDocuments() async throws {
        let overrides = Overrides(defaults: Limits())
        let a = try tenant("team-a")
        // Each document sets both values equal; a reader must never see a mix of two documents.
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for i in 1...200 {
                    try? overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    ingestion_burst_size: \(i)\n    max_label_names_per_series: \(i)\n", source: "r")
                }
                return true
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<2_000 {
                        let l = overrides.limits(for: a)
                        if l.ingestionBurstSize != l.maxLabelNamesPerSeries && l.ingestionBurstSize != 200_000 { return false }
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(overrides.limits(for: a).ingestionBurstSize == 200)
    }
}

@Suite struct DuplicateKeyTests {
    private func expectDuplicateRefused(_ yaml: String, key: String) {
        let overrides = Overrides(defaults: Limits())
        do throws(LimitsError) {
            try overrides.apply(runtimeConfigYAML: yaml, source: "r")
            Issue.record("duplicate key accepted")
        } catch {
            // The YAML parser already refuses duplicates and names the key.
            guard case .invalidYAML(let source, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(source == "r")
            #expect(reason.contains("duplicated key(s): '\(key)'"))
        }
        #expect(overrides.tenantOverrides.isEmpty)
    }

    @Test func duplicateLimitKeyIsAnError() {
        expectDuplicateRefused("overrides:\n  a:\n    ingestion_rate: 1\n    ingestion_rate: 2\n", key: "ingestion_rate")
        #expect(LimitsError.duplicateKey(path: "r: overrides.a.ingestion_rate").description
            == "r: overrides.a.ingestion_rate: key is defined more than once")
    }

    @Test func duplicateTenantIsAnError() {
        expectDuplicateRefused("overrides:\n  a:\n    ingestion_rate: 1\n  a:\n    ingestion_rate: 2\n", key: "a")
    }
}
