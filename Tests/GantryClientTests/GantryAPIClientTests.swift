import Foundation
import GantryCore
import Testing
@testable import GantryClient
import GantryTesting

@Suite("GantryAPIClient")
struct GantryAPIClientTests {
    static let created = Date(timeIntervalSince1970: 1_700_000_000)

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try API.encoder().encode(value), as: UTF8.self)
    }

    @Test func listsAppsWithBearerTokenAndAcceptHeader() async throws {
        let apps = [App(name: try AppName("blog"), createdAt: Self.created)]
        try await withServer(.init(status: 200, body: try Self.json(apps))) { server in
            let client = GantryAPIClient(server: server.url + "/", token: "t0ken")
            #expect(try await client.apps() == apps)
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.target == "/api/v1/apps")
            #expect(request.headers["authorization"] == "Bearer t0ken")
            #expect(request.headers["accept"] == "application/json")
        }
    }

    @Test func sendsNoAuthorizationWithoutToken() async throws {
        try await withServer(.init(status: 200, body: "[]")) { server in
            let apps = try await GantryAPIClient(server: server.url, token: nil).apps()
            #expect(apps.isEmpty)
            #expect(server.requests.first?.headers["authorization"] == nil)
        }
    }

    @Test func createAppPostsTheNameAsJSON() async throws {
        let app = App(name: try AppName("blog"), createdAt: Self.created)
        try await withServer(.init(status: 201, body: try Self.json(app))) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            #expect(try await client.createApp("blog") == app)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.target == "/api/v1/apps")
            #expect(request.headers["content-type"] == "application/json")
            #expect(try API.decoder().decode(CreateApp.self, from: Data(request.body)) == CreateApp(name: "blog"))
        }
    }

    @Test func destroyAppSendsDelete() async throws {
        try await withServer(.init(status: 204)) { server in
            try await GantryAPIClient(server: server.url, token: "t").destroyApp("blog")
            let request = try #require(server.requests.first)
            #expect(request.method == "DELETE")
            #expect(request.target == "/api/v1/apps/blog")
            #expect(request.body.isEmpty)
        }
    }

    @Test func fetchesOneBuildWithItsLog() async throws {
        let build = Build(
            id: 7, app: try AppName("blog"), ref: try RefName("refs/heads/main"), oldCommit: .zero,
            newCommit: try ObjectID(String(repeating: "ab", count: 20)), status: .succeeded,
            createdAt: Self.created, finishedAt: Self.created + 12, log: "-----> Python app detected\n")
        try await withServer(.init(status: 200, body: try Self.json(build))) { server in
            let fetched = try await GantryAPIClient(server: server.url, token: "t").build(app: "blog", id: 7)
            #expect(fetched == build)
            #expect(server.requests.first?.target == "/api/v1/apps/blog/builds/7")
        }
    }

    @Test func namesArePercentEncodedInPaths() async throws {
        try await withServer(.init(status: 200, body: "[]")) { server in
            _ = try await GantryAPIClient(server: server.url, token: "t").builds(app: "a b/..")
            #expect(server.requests.first?.target == "/api/v1/apps/a%20b%2F../builds")
        }
        #expect(GantryAPIClient.pathSegment("..") == "%2E%2E")
        #expect(GantryAPIClient.pathSegment("my-app_1.x~") == "my-app_1.x~")
        #expect(GantryAPIClient.pathSegment("é") == "%C3%A9")
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var exitCode: Int32
        var expected: @Sendable (_ server: String) -> ClientError
        var testDescription: String { "HTTP \(status) \(body)" }
    }

    static let errorCases: [ErrorCase] = [
        .init(status: 401, body: #"{"error":"missing API token"}"#, exitCode: 1) {
            .notAuthenticated(server: $0, message: "missing API token")
        },
        .init(status: 409, body: #"{"error":"app 'blog' already exists"}"#, exitCode: 1) { _ in
            .rejected(status: 409, message: "app 'blog' already exists")
        },
        .init(status: 404, body: "Not Found\n", exitCode: 1) { _ in .rejected(status: 404, message: "HTTP 404: Not Found") },
        .init(status: 422, body: "", exitCode: 1) { _ in .rejected(status: 422, message: "HTTP 422") },
        .init(status: 500, body: #"{"error":"database is locked"}"#, exitCode: 2) { _ in
            .serverError(status: 500, message: "database is locked")
        },
    ]

    @Test(arguments: errorCases)
    func errorAnswersBecomeClientErrors(_ errorCase: ErrorCase) async throws {
        try await withServer(.init(status: errorCase.status, body: errorCase.body)) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            let error = await #expect(throws: ClientError.self) { _ = try await client.apps() }
            #expect(error == errorCase.expected(server.url))
            #expect(error?.exitCode == errorCase.exitCode)
        }
    }

    @Test func notAuthenticatedSaysToLogIn() {
        let error = ClientError.notAuthenticated(server: "http://h:1", message: "invalid API token")
        #expect(error.description == "not authenticated with gantryd at http://h:1 (invalid API token); run `gantry login`")
    }

    @Test func rejectionIsTheServersOwnWords() {
        #expect(ClientError.rejected(status: 409, message: "app 'blog' already exists").description == "app 'blog' already exists")
    }

    @Test func undecodableAnswerIsBadResponse() async throws {
        try await withServer(.init(status: 200, body: #"{"apps": 3}"#)) { server in
            let error = await #expect(throws: ClientError.self) {
                _ = try await GantryAPIClient(server: server.url, token: "t").apps()
            }
            guard case .badResponse(let detail) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(detail.hasPrefix("cannot read Array<App>"))
            #expect(error?.exitCode == 2)
        }
    }

    @Test func closedPortIsUnreachableWithExitCode2() async throws {
        let server = "http://127.0.0.1:\(RefusedPort.shared.port)"
        let error = await #expect(throws: ClientError.self) {
            _ = try await GantryAPIClient(server: server, token: "t").apps()
        }
        guard case .unreachable(let reported, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reported == server)
        #expect(error?.exitCode == 2)
        let message = try #require(error?.description)
        #expect(message.hasPrefix("cannot reach gantryd at \(server): "))
        #expect(message.hasSuffix("; is it running? (`make run`)"))
    }
}
