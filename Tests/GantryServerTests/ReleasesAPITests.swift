import Foundation
import GantryClient
import GantryCore
import GantryStore
import GantryTesting
import Testing

@Suite struct ReleasesAPITests {
    static let secret = "postgres://admin:hunter2-SECRET@db/hello"

    /// Creates app `hello` with `count` releases through gantryd's own database file (as the
    /// deployer will), v2 live and v3 failed when there are that many.
    static func seed(_ server: TestServer, count: Int = 3) async throws -> Store {
        _ = try await server.client.createApp("hello")
        let store = try await blocking { [path = server.dataDirectory.database] in try Store(path: path) }
        let app = try AppName("hello")
        for version in 1...count {
            let release = try await store.createRelease(
                app: app, buildID: nil, imageTag: "hello:\(version)", imageDigest: "sha256:" + String(repeating: "c", count: 64),
                commit: try ObjectID(String(repeating: "5d6e7f80", count: 5)),
                config: ["DATABASE_URL": secret, "DEBUG": "1"], processTypes: ["web": "gunicorn app:app"],
                description: "Deploy 5d6e7f8", createdBy: "alice")
            switch version {
            case 1, 2: try await store.markReleaseLive(id: release.id)
            case 3: try await store.markReleaseFailed(id: release.id, reason: "health check: GET / answered 500")
            default: break
            }
        }
        return store
    }

    @Test func listsReleasesNewestFirstWithConfigKeysButNoValues() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server)
            let response = try await server.api(.get, "/apps/hello/releases")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(response.text.contains(#""configKeys":["DATABASE_URL","DEBUG"]"#))
            #expect(!response.text.contains(Self.secret))
            #expect(!response.text.contains("hunter2"))
            #expect(!response.text.contains(#""config":"#))

            let releases = try await server.client.releases(app: "hello")
            #expect(releases.map(\.version) == [3, 2, 1])
            #expect(releases.map(\.status) == [.failed, .live, .superseded])
            #expect(releases[0].failureReason == "health check: GET / answered 500")
            #expect(releases.allSatisfy { $0.configKeys == ["DATABASE_URL", "DEBUG"] && $0.app.rawValue == "hello" })
        }
    }

    @Test func showsOneReleaseByVersionWithOrWithoutV() async throws {
        try await TestServer.with { server in
            let store = try await Self.seed(server)
            // As the API carries it: ISO 8601 dates, whole seconds.
            let stored = try await store.release(app: AppName("hello"), version: 2).summary
            let expected = try API.decoder().decode(ReleaseSummary.self, from: API.encoder().encode(stored))
            #expect(expected.version == 2 && expected.status == .live && expected.configKeys == ["DATABASE_URL", "DEBUG"])
            let detail = try await server.client.release(app: "hello", version: 2)
            #expect(detail == ReleaseDetail(release: expected, build: nil, previous: 1, configChanges: ConfigDiff()))
            for path in ["v2", "2", "V2"] {
                let response = try await server.api(.get, "/apps/hello/releases/\(path)")
                #expect(response.status == 200, "\(path)")
                #expect(try API.decoder().decode(ReleaseDetail.self, from: Data(response.body)) == detail)
                #expect(!response.text.contains(Self.secret))
            }
        }
    }

    @Test func detailNamesTheConfigKeysThatChangedSinceThePreviousRelease() async throws {
        try await TestServer.with { server in
            let store = try await Self.seed(server, count: 1)
            let release = try await store.createRelease(
                app: AppName("hello"), buildID: nil, imageTag: "hello:1", imageDigest: "sha256:" + String(repeating: "c", count: 64),
                commit: nil, config: ["DATABASE_URL": "postgres://other", "NEW": "x"], processTypes: [:],
                description: "Set DATABASE_URL, NEW and unset DEBUG config vars", createdBy: "alice", origin: .config)
            let detail = try await server.client.release(app: "hello", version: release.version)
            #expect(detail.previous == 1 && detail.release.origin == .config)
            #expect(detail.configChanges == ConfigDiff(added: ["NEW"], removed: ["DEBUG"], changed: ["DATABASE_URL"]))
            let response = try await server.api(.get, "/apps/hello/releases/v2")
            #expect(!response.text.contains("postgres://other") && !response.text.contains(Self.secret))
        }
    }

    @Test func rollbackOnAServerThatDoesNotDeployIsRefused() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server)
            await #expect(throws: ClientError.self) { try await server.client.rollback(app: "hello", to: 1) }
            #expect(try await server.client.releases(app: "hello").count == 3)
        }
    }

    @Test func pagesWithLimitAndBefore() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server, count: 7)
            let client = server.client
            #expect(try await client.releases(app: "hello", limit: 3).map(\.version) == [7, 6, 5])
            #expect(try await client.releases(app: "hello", limit: 3, before: 5).map(\.version) == [4, 3, 2])
            #expect(try await client.releases(app: "hello", limit: 3, before: 2).map(\.version) == [1])
            #expect(try await client.releases(app: "hello", before: 1).isEmpty)
            let raw = try await server.api(.get, "/apps/hello/releases?limit=2&before=v4")
            #expect(try API.decoder().decode([ReleaseSummary].self, from: Data(raw.body)).map(\.version) == [3, 2])
        }
    }

    @Test func aListingLongerThanAPageIsStreamedWholeAndInOrder() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server, count: 2_345)
            let all = try await server.client.releases(app: "hello", limit: 100_000)
            #expect(all.map(\.version) == Array((1...2_345).reversed()))
            #expect(try await server.client.releases(app: "hello", limit: 1_500, before: 1_200).map(\.version) == Array((1...1_199).reversed()))
            #expect(try await server.client.releases(app: "hello", limit: 5_000, before: 1).isEmpty)
        }
    }

    @Test func rejectsBadVersionsAndLimits() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server, count: 1)
            let cases: [(path: String, status: Int, message: String)] = [
                ("/apps/hello/releases/v9", 404, "app 'hello' has no release v9; `gantry releases hello` lists them"),
                ("/apps/hello/releases/9", 404, "app 'hello' has no release v9"),
                ("/apps/ghost/releases", 404, "no app named 'ghost'"),
                ("/apps/ghost/releases/v1", 404, "no app named 'ghost'"),
                ("/apps/hello/releases/vx", 400, "invalid release version 'vx': use vN or N, such as v12"),
                ("/apps/hello/releases/v0", 400, "invalid release version 'v0'"),
                ("/apps/hello/releases/-1", 400, "invalid release version '-1'"),
                ("/apps/hello/releases?limit=0", 400, "limit must be a number between 1 and 100000"),
                ("/apps/hello/releases?limit=100001", 400, "limit must be a number between 1 and 100000"),
                ("/apps/hello/releases?limit=ten", 400, "limit must be a number"),
                ("/apps/hello/releases?before=x", 400, "before must be a release version such as v12 or 12"),
                ("/apps/Hello/releases", 400, "invalid app name 'Hello'"),
            ]
            for (path, status, message) in cases {
                let response = try await server.api(.get, path)
                #expect(response.status == status, "\(path)")
                let error = try API.decoder().decode(APIError.self, from: Data(response.body))
                #expect(error.error.contains(message), "\(path): \(error.error)")
            }
            do throws(ClientError) {
                _ = try await server.client.release(app: "hello", version: 5)
                Issue.record("a missing release was found")
            } catch {
                #expect(error == .rejected(status: 404, message: "app 'hello' has no release v5; `gantry releases hello` lists them"))
                #expect(error.exitCode == 1)
            }
        }
    }

    @Test func anAppWithoutReleasesListsNone() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            #expect(try await server.client.releases(app: "hello").isEmpty)
            #expect(try await server.api(.get, "/apps/hello/releases").text == "[]")
        }
    }

    @Test func requiresAValidToken() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server, count: 1)
            for token in [nil, "gantry_wrong"] as [String?] {
                for path in ["/apps/hello/releases", "/apps/hello/releases/v1"] {
                    let response = try await server.api(.get, path, token: token)
                    #expect(response.status == 401)
                    #expect(!response.text.contains("Deploy"))
                }
            }
        }
    }

    @Test func destroyingAnAppDropsItsReleases() async throws {
        try await TestServer.with { server in
            _ = try await Self.seed(server)
            try await server.client.destroyApp("hello")
            _ = try await server.client.createApp("hello")
            #expect(try await server.client.releases(app: "hello").isEmpty)
        }
    }
}
