import Foundation
import GantryCore
import Testing
@testable import GantryClient
import GantryTesting

@Suite("Canary API")
struct CanaryAPITests {
    static let started = Date(timeIntervalSince1970: 1_700_000_000)

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try API.encoder().encode(value), as: UTF8.self)
    }

    static func canary(state: CanaryState = .running, weight: Int = 10) throws -> Canary {
        Canary(
            id: 3, app: try AppName("hello"), release: 8, stable: 7, weight: weight, analysis: try CanaryAnalysis(), state: state,
            startedAt: started, events: [CanaryEvent(at: started, weight: 5, text: "started by alice")])
    }

    @Test func startPostsTheRequestAndDecodesTheStatusWithItsHistograms() async throws {
        var stable = ReleaseTraffic()
        stable.record(status: 200, duration: .milliseconds(12))
        stable.record(status: 502, duration: .seconds(2))
        let status = CanaryStatus(canary: try Self.canary(), stableTraffic: stable, canaryTraffic: ReleaseTraffic(), nextVerdictIn: 59.5)
        let request = CanaryRequest(version: 6, weight: 5, analysis: try CanaryAnalysis(steps: [5, 50]), wait: false)
        try await withServer(.init(status: 201, body: try Self.json(status))) { server in
            let answer = try await GantryAPIClient(server: server.url, token: "t").startCanary(app: "hello", request)
            #expect(answer == status)
            #expect(answer.stableTraffic?.latency.quantile(0.99) == stable.latency.quantile(0.99))
            let sent = try #require(server.requests.first)
            #expect(sent.method == "POST")
            #expect(sent.target == "/api/v1/apps/hello/canary")
            #expect(try API.decoder().decode(CanaryRequest.self, from: Data(sent.body)) == request)
        }
    }

    @Test func statusOfAnAppThatNeverHadOneHasNoCanary() async throws {
        try await withServer(.init(status: 200, body: #"{"canary":null}"#)) { server in
            let status = try await GantryAPIClient(server: server.url, token: "t").canary(app: "hello")
            #expect(status == CanaryStatus(canary: nil))
            #expect(server.requests.first?.method == "GET")
            #expect(server.requests.first?.target == "/api/v1/apps/hello/canary")
        }
    }

    @Test func weightIsPatchedAndPromoteAndAbortPost() async throws {
        let moved = try Self.canary(weight: 50)
        try await withServer(.init(status: 200, body: try Self.json(moved))) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            #expect(try await client.setCanaryWeight(app: "hello", weight: 50) == moved)
            let sent = try #require(server.requests.first)
            #expect(sent.method == "PATCH" && sent.target == "/api/v1/apps/hello/canary")
            #expect(try API.decoder().decode(CanaryWeightRequest.self, from: Data(sent.body)) == CanaryWeightRequest(weight: 50))
        }
        let aborted = try Self.canary(state: .aborted)
        try await withServer(.init(status: 200, body: try Self.json(aborted))) { server in
            let answer = try await GantryAPIClient(server: server.url, token: "t").abortCanary(app: "hello")
            #expect(answer == aborted)
            #expect(server.requests.first?.method == "POST")
            #expect(server.requests.first?.target == "/api/v1/apps/hello/canary/abort")
        }
        try await withServer(.init(status: 409, body: #"{"error":"hello has no running canary"}"#)) { server in
            let error = await #expect(throws: ClientError.self) {
                _ = try await GantryAPIClient(server: server.url, token: "t").promoteCanary(app: "hello")
            }
            #expect(error == .rejected(status: 409, message: "hello has no running canary"))
            #expect(server.requests.first?.target == "/api/v1/apps/hello/canary/promote")
        }
    }

    @Test func waitingForTheVerdictAllowsTheWholeAnalysis() throws {
        #expect(GantryAPIClient.answerLimit(for: CanaryRequest(weight: 10)) == nil)
        let analysis = try CanaryAnalysis(steps: [5, 25, 50, 100], intervalSeconds: 60)
        #expect(GantryAPIClient.answerLimit(for: CanaryRequest(analysis: analysis)) == nil)
        #expect(GantryAPIClient.answerLimit(for: CanaryRequest(analysis: analysis, wait: true))
            == .seconds(4 * CanaryAnalysis.idleLimit * 60) + GantryAPIClient.canaryWaitMargin)
    }
}
