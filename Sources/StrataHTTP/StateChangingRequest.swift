import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StrataModel

/// The rule every endpoint that changes state follows (`/ingester/flush`, the rings' Forget):
/// only `POST`, only with a form or JSON body, and never from another site's page.
///
/// Why: a `GET` can be triggered by a link, an `<img>` or a prefetch, and a browser lets any page
/// POST `text/plain` to any address. A form or JSON content type alone does not stop a
/// cross-site HTML form (forms may send `application/x-www-form-urlencoded`), so requests a
/// browser marks `Sec-Fetch-Site: cross-site` are refused as well. Clients that are not
/// browsers (curl, scripts) send no `Sec-Fetch-Site` and are unaffected. This is no
/// authentication: docs/operations.md lists what must stay behind an authenticating proxy.
enum StateChangingRequest {
    /// The media types a state-changing request may carry.
    static let allowedContentTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"]

    /// The largest form body read (a form names a tenant or an instance, never more).
    static let maxFormBytes = 64 * 1024

    /// The answer to a request that must not change state, or nil when it may.
    static func refusal(_ request: Request) -> Response? {
        let path = request.uri.path
        guard request.method == .post else {
            var response = PlainError(.methodNotAllowed, "\(request.method) \(path) is not allowed: this endpoint changes state and accepts only POST with Content-Type \(allowedList), e.g. curl -X POST -d '' <url> (\(ErrorID.methodNotAllowed.id))").response
            response.headers[.allow] = "POST"
            return response
        }
        if let site = request.header("sec-fetch-site"), site.lowercased() == "cross-site" {
            return PlainError(.forbidden, "cross-site request to \(path) refused: a page of another site may not change state here (Sec-Fetch-Site: cross-site); open the page from this server or use a client that is not a browser (\(ErrorID.crossSiteRequest.id))").response
        }
        guard let type = mediaType(request), allowedContentTypes.contains(type) else {
            let sent = request.headers[.contentType].map { "\"\($0)\"" } ?? "no Content-Type"
            return PlainError(.unsupportedMediaType, "POST \(path) with \(sent) refused: send Content-Type \(allowedList), e.g. curl -X POST -d '' <url> (\(ErrorID.unsupportedContentType.id))").response
        }
        return nil
    }

    private static var allowedList: String {
        allowedContentTypes.dropLast().joined(separator: ", ") + " or " + (allowedContentTypes.last ?? "")
    }

    /// The request's media type, lowercased and without parameters (`charset`, `boundary`).
    static func mediaType(_ request: Request) -> String? {
        guard let value = request.headers[.contentType] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The values of field `name` in the request's body, read as its content type says:
    /// form-encoded, multipart form data, or a JSON object whose member is a string or an array
    /// of strings. Call it after `refusal` returned nil.
    static func formValues(_ name: String, in request: Request) async throws(PlainError) -> [String] {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxFormBytes)
        } catch {
            throw PlainError(.contentTooLarge, "cannot read the form body (at most \(maxFormBytes) bytes): \(error)")
        }
        let bytes = Array(body.readableBytesView)
        switch mediaType(request) {
        case "application/json":
            return try jsonValues(name, bytes)
        case "multipart/form-data":
            guard let boundary = parameter("boundary", of: request.headers[.contentType] ?? "") else {
                throw PlainError(.badRequest, "multipart/form-data without a boundary parameter")
            }
            return MultipartForm.values(name, body: bytes, boundary: boundary)
        default:
            return urlEncodedValues(name, String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Values of `name` in an `a=1&b=2` form (`+` is a space, `%XX` escapes).
    static func urlEncodedValues(_ name: String, _ form: String) -> [String] {
        var out: [String] = []
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, decodeFormComponent(parts[0]) == name,
                  let value = decodeFormComponent(parts[1]) else { continue }
            out.append(value)
        }
        return out
    }

    private static func decodeFormComponent(_ s: Substring) -> String? {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static func jsonValues(_ name: String, _ bytes: [UInt8]) throws(PlainError) -> [String] {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw PlainError(.badRequest, "the JSON body must be an object, e.g. {\"\(name)\": \"…\"}")
            }
            object = parsed
        } catch let error as PlainError {
            throw error
        } catch {
            throw PlainError(.badRequest, "the JSON body is not valid JSON: \(error.localizedDescription)")
        }
        switch object[name] {
        case nil: return []
        case let value as String: return [value]
        case let values as [Any]:
            let strings = values.compactMap { $0 as? String }
            guard strings.count == values.count else {
                throw PlainError(.badRequest, "the JSON member \"\(name)\" must be a string or an array of strings")
            }
            return strings
        default:
            throw PlainError(.badRequest, "the JSON member \"\(name)\" must be a string or an array of strings")
        }
    }

    /// A parameter of a header value such as `multipart/form-data; boundary=abc`.
    static func parameter(_ name: String, of headerValue: String) -> String? {
        for part in headerValue.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = kv[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }
}

/// The fields of a `multipart/form-data` body (RFC 7578), enough for the small admin forms: each
/// part's `Content-Disposition: form-data; name="…"` and its value as UTF-8 text.
enum MultipartForm {
    /// Values of the parts named `name`, in order.
    static func values(_ name: String, body: [UInt8], boundary: String) -> [String] {
        let delimiter = Array(("--" + boundary).utf8)
        var out: [String] = []
        var starts: [Int] = []
        var i = 0
        while let at = find(delimiter, in: body, from: i) {
            starts.append(at)
            i = at + delimiter.count
        }
        for (start, end) in zip(starts, starts.dropFirst()) {
            var partStart = start + delimiter.count
            // The delimiter line ends with CRLF; the part ends with the CRLF before the next one.
            if partStart + 1 < end, body[partStart] == 0x0D, body[partStart + 1] == 0x0A { partStart += 2 }
            var partEnd = end
            if partEnd - 2 >= partStart, body[partEnd - 2] == 0x0D, body[partEnd - 1] == 0x0A { partEnd -= 2 }
            guard partStart <= partEnd else { continue }
            let part = Array(body[partStart..<partEnd])
            guard let split = find([0x0D, 0x0A, 0x0D, 0x0A], in: part, from: 0) else { continue }
            let headers = String(decoding: part[..<split], as: UTF8.self)
            guard fieldName(headers) == name else { continue }
            out.append(String(decoding: part[(split + 4)...], as: UTF8.self))
        }
        return out
    }

    /// The `name` of a part's `Content-Disposition` header.
    private static func fieldName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            let kv = line.split(separator: ":", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            return StateChangingRequest.parameter("name", of: String(kv[1]))
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
