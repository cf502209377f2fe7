import Foundation
import GantryClient
import GantryCore
import Testing

/// `POST /api/v1/gc[?dry_run=1]`: the door passes the dry-run flag through and answers the report.
@Suite struct GarbageAPITests {
    static let report = [GarbageReport.Item(kind: "image", name: "hello-build-3", bytes: 0), GarbageReport.Item(kind: "layer", name: "sha256:ab", bytes: 2_500_000)]

    @Test func dryRunAndRealRunReachTheCollectorAndReportTheirBytes() async throws {
        try await TestServer.with(collectGarbage: { dryRun in GarbageReport(dryRun: dryRun, items: Self.report) }) { server in
            let preview = try await server.client.collectGarbage(dryRun: true)
            #expect(preview.dryRun)
            #expect(preview.items == Self.report)
            #expect(preview.totalBytes == 2_500_000)
            #expect(try await server.client.collectGarbage(dryRun: false).dryRun == false)
            let raw = try await HTTPClient().perform(GantryClient.HTTPRequest(
                method: .post, url: server.url + "/api/v1/gc?dry_run=1", headers: ["Authorization": "Bearer \(server.token)"]))
            #expect(raw.text.contains(#""totalBytes":2500000"#))
        }
    }

    @Test func anUnclearDryRunValueIsRefusedAndCollectsNothing() async throws {
        try await TestServer.with(collectGarbage: { _ in
            Issue.record("collected on a bad request")
            return GarbageReport(dryRun: false, items: [])
        }) { server in
            let response = try await HTTPClient().perform(GantryClient.HTTPRequest(
                method: .post, url: server.url + "/api/v1/gc?dry_run=maybe", headers: ["Authorization": "Bearer \(server.token)"]))
            #expect(response.status == 400)
            #expect(response.text.contains("dry_run must be 1 or 0"))
        }
    }

    @Test func aServerThatBuildsNothingSaysSo() async throws {
        try await TestServer.with { server in
            do throws(ClientError) {
                _ = try await server.client.collectGarbage(dryRun: true)
                Issue.record("answered without a collector")
            } catch {
                guard case .serverError(503, let message) = error else { Issue.record("\(error)"); return }
                #expect(message.contains("no images"))
            }
        }
    }
}
