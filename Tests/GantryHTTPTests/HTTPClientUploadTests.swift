import Foundation
import Testing
import GantryHTTP
import GantryTesting

/// `HTTPClient.upload(_:bodyFile:)`: a body read from a file as it is sent.
@Suite("HTTPClient upload")
struct HTTPClientUploadTests {
    let client = HTTPClient()

    @Test(.scratchDirectory) func sendsTheFileAsTheBodyWithItsLengthAndTheRequestsMethod() async throws {
        let file = ScratchDirectory.path + "/body.bin"
        let bytes = randomBytes(3_000_001)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try await withServer(.init(status: 201, body: "stored")) { server in
            for method in [HTTPMethod.put, .post] {
                let response = try await client.upload(
                    HTTPRequest(method: method, url: server.url + "/upload?digest=x", headers: ["Content-Type": "application/octet-stream"],
                                body: Array("ignored".utf8)),
                    bodyFile: file)
                #expect(response.status == 201 && response.bodyText == "stored")
            }
            #expect(server.requests.map(\.method) == ["PUT", "POST"])
            for request in server.requests {
                #expect(request.headers["content-length"] == "3000001")
                #expect(request.headers["transfer-encoding"] == nil && request.headers["expect"] == nil)
                #expect(request.headers["content-type"] == "application/octet-stream")
                #expect(request.body == bytes)
            }
        }
    }

    @Test(.scratchDirectory) func aMissingBodyFileIsAnInvalidRequestNamingIt() async throws {
        let missing = ScratchDirectory.path + "/missing.bin"
        await #expect(throws: HTTPClientError.invalidRequest(url: "http://127.0.0.1:9/x", detail: "cannot open the body file \(missing): No such file or directory")) {
            try await client.upload(HTTPRequest(method: .put, url: "http://127.0.0.1:9/x"), bodyFile: missing)
        }
    }
}
