@testable import StrataObjstore
import Testing

@Suite("S3 XML")
struct S3XMLTests {
    @Test("parses a ListObjectsV2 answer with entities and namespaces")
    func listBucketResult() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Name>b</Name><Prefix>t/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
          <IsTruncated>true</IsTruncated>
          <Contents><Key>t/a&amp;b&#x20;&#65;</Key><Size>3</Size></Contents>
          <Contents><Key><![CDATA[t/<c>]]></Key></Contents>
          <CommonPrefixes><Prefix>t/d/</Prefix></CommonPrefixes>
          <NextContinuationToken>tok==</NextContinuationToken>
          <Empty/>
        </ListBucketResult>
        """
        let root = try S3XML.parse(Array(xml.utf8))
        #expect(root.name == "ListBucketResult")
        #expect(root.all("Contents").compactMap { $0.value("Key") } == ["t/a&b A", "t/<c>"])
        #expect(root.all("CommonPrefixes").compactMap { $0.value("Prefix") } == ["t/d/"])
        #expect(root.value("NextContinuationToken") == "tok==")
        #expect(root.child("Empty") != nil)
    }

    @Test("refuses malformed documents and DTDs")
    func malformed() {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        for text in [deep, "", "<a>", "<a></b>", "<a>&bogus;</a>", "<!DOCTYPE x [<!ENTITY e 'x'>]><a/>", "<a/><b/>"] {
            #expect(throws: XMLParseError.self, "\(text)") { try S3XML.parse(Array(text.utf8)) }
        }
    }

    @Test("S3 errors become messages naming operation, bucket, key and code")
    func errorMessage() {
        let body = "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>R1</RequestId></Error>"
        let response = S3Response(status: 404, headers: [:], body: Array(body.utf8))
        let e = response.error()
        #expect(e.code == "NoSuchBucket" && e.requestID == "R1")
        let error = BucketError.server(operation: "GetObject", bucket: "blocks", key: "t/meta.json", status: 404, code: e.code, message: e.message, requestID: e.requestID, attempts: 1)
        #expect(error.description.contains("GetObject on bucket \"blocks\" key \"t/meta.json\""))
        #expect(error.description.contains("NoSuchBucket"))
        #expect(error.description.contains("bucket_name"))
    }
}
