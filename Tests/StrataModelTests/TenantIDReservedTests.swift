import StrataModel
import Testing

/// Tenant IDs that a storage layer reserves are refused by the one validation every entry point
/// uses (push, query, RPC, overrides, flush), with a message naming why.
@Suite struct TenantIDReservedTests {
    @Test func theObjectStoresTemporaryMarkerIsRefused() {
        #expect(throws: TenantIDError.self) { try TenantID(validating: "x.strata-tmp-1") }
        #expect(throws: TenantIDError.self) { try TenantID(validating: ".strata-tmp-") }
        do {
            _ = try TenantID(validating: "x.strata-tmp-1")
        } catch {
            #expect(error.description.contains("tenant ID 'x.strata-tmp-1' is reserved"))
            #expect(error.description.contains("\".strata-tmp-\""))
            #expect(error.description.contains("temporary files"))
        }
    }

    @Test func clusterPrefixIsRefused() {
        for id in ["__mimir_cluster", "__strata", "__"] {
            #expect(throws: TenantIDError.self) { try TenantID(validating: id) }
        }
        do {
            _ = try TenantID(validating: "__mimir_cluster")
        } catch {
            #expect(error.description.contains("\"__mimir_cluster\""))
        }
    }

    @Test func namesThatOnlyLookAlikeAreAccepted() throws {
        for id in ["_a", "a__b", "a_", "strata-tmp-1", "x.strata-tmp", "markers", "bucket-index.json.gz", "wal", "tsdb-sync", "x.tmp"] {
            #expect(try TenantID(validating: id).rawValue == id)
        }
    }

    @Test func theReservationIsTheStorageLayersOwnRule() {
        #expect(StorageNames.isTemporary("a" + StorageNames.temporaryMarker + "b"))
        #expect(!StorageNames.isTemporary("a.strata-tmp"))
        #expect(StorageNames.tenantReservation("ok") == nil)
        #expect(StorageNames.tenantReservation("x" + StorageNames.temporaryMarker) != nil)
        #expect(StorageNames.tenantReservation(StorageNames.clusterPrefix + "x") != nil)
    }

    @Test func federatedQueriesRefuseAReservedMember() {
        #expect(throws: TenantIDError.self) { try TenantID.parseMany("team-a|x.strata-tmp-1") }
    }
}
