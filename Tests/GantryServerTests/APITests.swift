import Foundation
import GantryClient
import GantryCore
import Testing

@Suite struct APITests {
    @Test func createsListsShowsAndDestroysApps() async throws {
        try await TestServer.with { server in
            let created = try await server.client.createApp("hello")
            #expect(created.name.rawValue == "hello")
            #expect(FileManager.default.fileExists(atPath: server.dataDirectory.repository(for: created.name) + "/HEAD"))
            #expect(try await server.client.apps().map(\.name.rawValue) == ["hello"])
            #expect(try await server.client.app("hello").name == created.name)
            #expect(try await server.client.builds(app: "hello").isEmpty)
            try await server.client.destroyApp("hello")
            #expect(try await server.client.apps().isEmpty)
            #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.repository(for: created.name)))
        }
    }

    @Test func refusesRequestsWithoutAValidToken() async throws {
        try await TestServer.with { server in
            for token in [nil, "gantry_wrong"] as [String?] {
                await #expect(throws: ClientError.self) { try await GantryAPIClient(server: server.url, token: token).apps() }
            }
            let response = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server.url + "/api/v1/apps"))
            #expect(response.status == 401)
            #expect(response.text.contains(#""error":"missing API token"#))
        }
    }

    @Test func duplicateAndInvalidNamesGetClearErrors() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            do throws(ClientError) {
                _ = try await server.client.createApp("hello")
                Issue.record("duplicate accepted")
            } catch {
                guard case .rejected(409, let message) = error else { Issue.record("\(error)"); return }
                #expect(message.contains("app 'hello' already exists"))
            }
            for name in ["../x", "Hello", "a/b", String(repeating: "a", count: 31)] {
                do throws(ClientError) {
                    _ = try await server.client.createApp(name)
                    Issue.record("\(name) accepted")
                } catch {
                    guard case .rejected(400, let message) = error else { Issue.record("\(error)"); continue }
                    #expect(message.contains("invalid app name"))
                }
            }
            #expect(try await server.client.apps().count == 1)
        }
    }

    @Test func unknownAppIsNotFound() async throws {
        try await TestServer.with { server in
            do throws(ClientError) {
                _ = try await server.client.builds(app: "ghost")
                Issue.record("ghost app found")
            } catch {
                guard case .rejected(404, let message) = error else { Issue.record("\(error)"); return }
                #expect(message.contains("ghost"))
            }
        }
    }
}
