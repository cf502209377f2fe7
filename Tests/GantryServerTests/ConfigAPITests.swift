import Foundation
import GantryClient
import GantryCore
import Testing

@Suite struct ConfigAPITests {
    @Test func setsGetsAndUnsetsVars() async throws {
        try await TestServer.with { server in
            let client = server.client
            _ = try await client.createApp("hello")
            #expect(try await client.config(app: "hello").isEmpty)

            let set = ["DATABASE_URL": "postgres://db/hello", "SECRET": "a=b=c", "MULTILINE": "one\ntwo\n", "EMPTY": ""]
            #expect(try await client.changeConfig(app: "hello", set: set) == ConfigChangeResult(config: set, release: nil))
            #expect(try await client.config(app: "hello") == set)

            let after = try await client.changeConfig(app: "hello", set: ["SECRET": "rotated"], unset: ["EMPTY", "NEVER_SET"]).config
            #expect(after == ["DATABASE_URL": "postgres://db/hello", "SECRET": "rotated", "MULTILINE": "one\ntwo\n"])
            #expect(try await client.config(app: "hello") == after)
        }
    }

    @Test func answersWithTheWholeConfigAsSortedJSON() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let patched = try await server.api(.patch, "/apps/hello/config", body: #"{"B": "2", "A": "1", "C": null}"#)
            #expect(patched.status == 200)
            #expect(patched.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(patched.text == #"{"config":{"A":"1","B":"2"}}"#)
            let got = try await server.api(.get, "/apps/hello/config")
            #expect(got.status == 200 && got.text == #"{"A":"1","B":"2"}"#)
        }
    }

    @Test func rejectsInvalidChangesAndChangesNothing() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let before = try await server.client.changeConfig(app: "hello", set: ["KEPT": "1", "DOOMED": "2"]).config
            let big = String(repeating: "x", count: 32 * 1024 + 1)
            let bodies: [(body: String, message: String)] = [
                (#"{"GOOD": "1", "1ABC": "x", "DOOMED": null}"#,
                 "invalid config key '1ABC': use letters, digits and _, not starting with a digit"),
                (#"{"GOOD": "1", "DOOMED": null, "A-B": null}"#, "invalid config key 'A-B'"),
                (#"{"GOOD": "1", "BIG": "\#(big)"}"#, "the value of config var 'BIG' is 32769 bytes; values are limited to 32768 bytes"),
                (#"{"GOOD": "1", "NUL": "a\u0000b"}"#, "'NUL' contains a NUL character"),
                (#"{"GOOD": "1", "PORT": 5000}"#, "the value of 'PORT' must be a string, or null to unset it"),
                (#"{"GOOD": "1""#, "invalid config change (the body is not valid JSON)"),
                ("", "the body is not valid JSON"),
                (#"["GOOD"]"#, "invalid config change (the body is not a JSON object)"),
            ]
            for (body, message) in bodies {
                let response = try await server.api(.patch, "/apps/hello/config", body: body)
                #expect(response.status == 400, "\(body.prefix(60))")
                let error = try API.decoder().decode(APIError.self, from: Data(response.body))
                #expect(error.error.contains(message), "\(body.prefix(60)): \(error.error)")
            }
            #expect(try await server.client.config(app: "hello") == before)
        }
    }

    @Test func invalidKeysComeBackAsClientErrors() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            do throws(ClientError) {
                _ = try await server.client.changeConfig(app: "hello", set: ["OK": "1"], unset: ["9LIVES"])
                Issue.record("invalid key accepted")
            } catch {
                guard case .rejected(400, let message) = error else { Issue.record("\(error)"); return }
                #expect(message == "invalid config key '9LIVES': use letters, digits and _, not starting with a digit")
            }
            #expect(try await server.client.config(app: "hello").isEmpty)
        }
    }

    @Test func unknownAppIsNotFound() async throws {
        try await TestServer.with { server in
            for (method, body) in [(HTTPMethod.get, ""), (.patch, #"{"A": "1"}"#)] {
                let response = try await server.api(method, "/apps/ghost/config", body: body)
                #expect(response.status == 404)
                #expect(response.text.contains("no app named 'ghost'"))
            }
            let invalidName = try await server.api(.get, "/apps/Ghost/config")
            #expect(invalidName.status == 400)
        }
    }

    @Test func requiresAValidToken() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            _ = try await server.client.changeConfig(app: "hello", set: ["SECRET": "s3cret"])
            for token in [nil, "gantry_wrong"] as [String?] {
                for (method, body) in [(HTTPMethod.get, ""), (.patch, #"{"SECRET": null}"#)] {
                    let response = try await server.api(method, "/apps/hello/config", body: body, token: token)
                    #expect(response.status == 401)
                    #expect(!response.text.contains("s3cret"))
                }
            }
            #expect(try await server.client.config(app: "hello") == ["SECRET": "s3cret"])
        }
    }

    @Test func destroyingAnAppDropsItsConfig() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            _ = try await server.client.changeConfig(app: "hello", set: ["A": "1"])
            try await server.client.destroyApp("hello")
            _ = try await server.client.createApp("hello")
            #expect(try await server.client.config(app: "hello").isEmpty)
        }
    }
}

extension TestServer {
    /// A raw API request (path below `/api/v1`) with a bearer token: the admin's unless given;
    /// `nil` sends none.
    func api(_ method: HTTPMethod, _ path: String, body: String = "", token: String?? = .none) async throws -> GantryClient.HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let token = token ?? self.token { headers["Authorization"] = "Bearer \(token)" }
        return try await HTTPClient().perform(GantryClient.HTTPRequest(
            method: method, url: url + API.prefix + path, headers: headers, body: Array(body.utf8)))
    }
}
