import Foundation
import StrataBlocks

/// The JSON of `bucket-index.json` with Mimir's field names. Optional fields are omitted when
/// empty, as Go's `omitempty` does, so a raw Strata block's entry is exactly what Mimir writes;
/// `resolution` is Strata's addition (Mimir ignores unknown fields).
enum BucketIndexJSON {
    struct Index: Codable {
        var version: Int
        var blocks: [Block]?
        var block_deletion_marks: [Mark]?
        var updated_at: Int64
        /// Strata's per-day cardinality history (absent when empty; Mimir ignores it).
        var strata_series_history: SeriesHistoryJSON?
    }

    struct Block: Codable {
        var block_id: String
        var min_time: Int64
        var max_time: Int64
        var segments_format: String?
        var segments_num: Int?
        var uploaded_at: Int64
        var compactor_shard_id: String?
        var source: String?
        var compaction_level: Int?
        var labels: [String: String]?
        var resolution: Int64?
    }

    struct Mark: Codable {
        var block_id: String
        var deletion_time: Int64
    }

    static func encode(_ index: BucketIndex, key: String) throws(BucketIndexError) -> [UInt8] {
        let dto = Index(
            version: index.version,
            blocks: index.blocks.map { b in
                Block(block_id: b.id, min_time: b.minTime, max_time: b.maxTime,
                      segments_format: b.segmentsFormat.isEmpty ? nil : b.segmentsFormat,
                      segments_num: b.segmentsNum == 0 ? nil : b.segmentsNum,
                      uploaded_at: b.uploadedAt,
                      compactor_shard_id: b.compactorShardID.isEmpty ? nil : b.compactorShardID,
                      source: b.source.isEmpty ? nil : b.source,
                      compaction_level: b.compactionLevel == 0 ? nil : b.compactionLevel,
                      labels: b.labels.isEmpty ? nil : b.labels,
                      resolution: b.resolution == 0 ? nil : b.resolution)
            },
            block_deletion_marks: index.blockDeletionMarks.map { Mark(block_id: $0.id, deletion_time: $0.deletionTime) },
            updated_at: index.updatedAt,
            strata_series_history: index.seriesHistory.isEmpty ? nil : SeriesHistoryJSON(index.seriesHistory))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return Array(try encoder.encode(dto))
        } catch {
            throw .encoding(key: key, reason: "\(error)")
        }
    }

    static func decode(_ json: [UInt8], key: String) throws(BucketIndexError) -> BucketIndex {
        let dto: Index
        do {
            dto = try JSONDecoder().decode(Index.self, from: Data(json))
        } catch {
            throw .corrupt(key: key, reason: "not a bucket index JSON document: \(error)")
        }
        guard BucketIndex.readableVersions.contains(dto.version) else {
            throw .corrupt(key: key, reason: "unsupported version \(dto.version) (this Strata reads \(BucketIndex.readableVersions.lowerBound)–\(BucketIndex.readableVersions.upperBound))")
        }
        var blocks: [BucketIndex.Block] = []
        for b in dto.blocks ?? [] {
            guard ULID(b.block_id) != nil else { throw .corrupt(key: key, reason: "block_id \"\(b.block_id)\" is not a ULID") }
            guard b.min_time <= b.max_time else {
                throw .corrupt(key: key, reason: "block \(b.block_id) has min_time \(b.min_time) after max_time \(b.max_time)")
            }
            guard (b.segments_num ?? 0) >= 0 else {
                throw .corrupt(key: key, reason: "block \(b.block_id) has a negative segments_num")
            }
            blocks.append(BucketIndex.Block(
                id: b.block_id, minTime: b.min_time, maxTime: b.max_time, uploadedAt: b.uploaded_at,
                source: b.source ?? "", resolution: b.resolution ?? 0, segmentsFormat: b.segments_format ?? "",
                segmentsNum: b.segments_num ?? 0, compactionLevel: b.compaction_level ?? 0,
                compactorShardID: b.compactor_shard_id ?? "", labels: b.labels ?? [:]))
        }
        var marks: [BucketIndex.DeletionMark] = []
        for m in dto.block_deletion_marks ?? [] {
            guard ULID(m.block_id) != nil else { throw .corrupt(key: key, reason: "deletion mark block_id \"\(m.block_id)\" is not a ULID") }
            marks.append(BucketIndex.DeletionMark(id: m.block_id, deletionTime: m.deletion_time))
        }
        return BucketIndex(version: dto.version, blocks: blocks, blockDeletionMarks: marks, updatedAt: dto.updated_at,
                           seriesHistory: dto.strata_series_history?.history ?? SeriesHistory())
    }
}
