import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension S3Bucket {
    /// S3's limit on parts per upload.
    static let maxParts = 10_000

    /// Uploads a local file: one PutObject up to `partSize`, otherwise a multipart upload that
    /// reads parts as it sends them, so memory stays at `uploadConcurrency` parts whatever the
    /// file size.
    public func upload(_ key: String, fromFile path: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        let fd: Int32
        switch POSIXFile.openFile(path, O_RDONLY) {
        case .success(let d): fd = d
        case .failure(let code): throw .io(operation: "open upload source", path: path, reason: POSIXFile.errnoText(code))
        }
        defer { _ = close(fd) }
        let size: Int
        switch POSIXFile.statFile(fd: fd) {
        case .success(let st): size = st.size
        case .failure(let code): throw .io(operation: "stat upload source", path: path, reason: POSIXFile.errnoText(code))
        }
        if size <= config.partSize {
            try await put(key, try readPart(fd: fd, path: path, offset: 0, count: size))
            return
        }
        // Grow parts for huge files so they fit in S3's part-count limit.
        let partSize = max(config.partSize, (size + Self.maxParts - 1) / Self.maxParts)
        let uploadID = try await createMultipartUpload(key)
        do {
            let etags = try await uploadParts(key, uploadID: uploadID, fd: fd, path: path, size: size, partSize: partSize)
            try await completeMultipartUpload(key, uploadID: uploadID, etags: etags, expectedSize: size)
        } catch {
            // Parts of an abandoned upload are billed until aborted; abort is best effort.
            await abortMultipartUpload(key, uploadID: uploadID)
            throw error
        }
    }

    /// Sends the parts, `upload_concurrency` at a time; memory is that many parts.
    private func uploadParts(_ key: String, uploadID: String, fd: Int32, path: String, size: Int, partSize: Int) async throws(BucketError) -> [String] {
        let partCount = (size + partSize - 1) / partSize
        var etags = [String](repeating: "", count: partCount)
        do {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var next = 0
                func addPart() {
                    let index = next
                    next += 1
                    group.addTask {
                        let offset = index * partSize
                        let bytes = try self.readPart(fd: fd, path: path, offset: offset, count: min(partSize, size - offset))
                        return (index, try await self.uploadPart(key, uploadID: uploadID, number: index + 1, bytes: bytes))
                    }
                }
                while next < min(config.uploadConcurrency, partCount) { addPart() }
                while let (index, etag) = try await group.next() {
                    etags[index] = etag
                    if next < partCount { addPart() }
                }
            }
        } catch let error as BucketError {
            throw error
        } catch {
            throw .transport(operation: "UploadPart", bucket: bucketName, key: key, attempts: 1, reason: "\(error)")
        }
        return etags
    }

    private func readPart(fd: Int32, path: String, offset: Int, count: Int) throws(BucketError) -> [UInt8] {
        switch POSIXFile.readAt(fd: fd, offset: offset, count: count) {
        case .success(let bytes):
            guard bytes.count == count else {
                throw .io(operation: "read upload source", path: path, reason: "file shrank during upload (read \(bytes.count) of \(count) bytes at offset \(offset))")
            }
            return bytes
        case .failure(let code):
            throw .io(operation: "read upload source", path: path, reason: POSIXFile.errnoText(code))
        }
    }

    func createMultipartUpload(_ key: String) async throws(BucketError) -> String {
        let response = try await send(S3Request(operation: "CreateMultipartUpload", method: .POST, key: key, query: [("uploads", "")],
                                                headers: [("content-type", "application/octet-stream")]))
        guard response.status == 200 else { throw failure("CreateMultipartUpload", key, response) }
        guard let root = try? S3XML.parse(response.body), root.name == "InitiateMultipartUploadResult",
              let id = root.value("UploadId"), !id.isEmpty else {
            throw .malformedResponse(operation: "CreateMultipartUpload", bucket: bucketName, key: key, reason: "no UploadId in the answer")
        }
        return id
    }

    func uploadPart(_ key: String, uploadID: String, number: Int, bytes: [UInt8]) async throws(BucketError) -> String {
        let request = S3Request(operation: "UploadPart", method: .PUT, key: key,
                                query: [("partNumber", String(number)), ("uploadId", uploadID)], body: bytes)
        let response = try await send(request)
        guard response.status == 200 else { throw failure("UploadPart", key, response) }
        guard let etag = response.headers.first(name: "etag"), !etag.isEmpty else {
            throw .malformedResponse(operation: "UploadPart", bucket: bucketName, key: key, reason: "no ETag for part \(number)")
        }
        return etag
    }

    func completeMultipartUpload(_ key: String, uploadID: String, etags: [String], expectedSize: Int) async throws(BucketError) {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send(S3Request(operation: "CompleteMultipartUpload", method: .POST, key: key,
                                                query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")],
                                                body: Array(xml.utf8)))
        if response.status == 404, response.error().code == "NoSuchUpload" {
            // A retry after a lost answer finds the upload already completed; accept it if the
            // object is there with the right size.
            if let attrs = try? await attributes(key), attrs.size == expectedSize { return }
        }
        guard response.status == 200 else { throw failure("CompleteMultipartUpload", key, response) }
        // S3 can answer 200 and still fail: the error is then in the body.
        guard let root = try? S3XML.parse(response.body) else {
            throw .malformedResponse(operation: "CompleteMultipartUpload", bucket: bucketName, key: key, reason: "unparsable XML answer")
        }
        if root.name == "Error" {
            throw .server(operation: "CompleteMultipartUpload", bucket: bucketName, key: key, status: 200,
                          code: root.value("Code") ?? "", message: root.value("Message") ?? "", requestID: root.value("RequestId") ?? "", attempts: 1)
        }
    }

    func abortMultipartUpload(_ key: String, uploadID: String) async {
        _ = try? await send(S3Request(operation: "AbortMultipartUpload", method: .DELETE, key: key, query: [("uploadId", uploadID)]))
    }
}
