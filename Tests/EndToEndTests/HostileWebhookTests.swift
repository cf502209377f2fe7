import Foundation
import GantryClient
import GantryCore
import Testing

/// Webhook deliveries that would cost gantryd or roll an app back: a fetch bigger than the
/// push limit, and a signed payload naming an older commit than the deployed one. CPU-heavy by
/// design (a pack inflated up to its limit), so it runs in `make test`'s serialized load pass
/// (`LOAD_TESTS`).
@Suite("hostile webhook deliveries", .serialized, .timeLimit(.minutes(10)))
struct HostileWebhookTests: DeliversWebhooks {
    @Test func aFetchOverThePushLimitFailsTheDeliveryAndBuildsNothing() async throws {
        try await withDaemon(maxPushBytes: 20_000) { gantry in
            let source = try await SourceRepository.make(in: gantry)
            defer { source.server.kill() }
            try await gantry.createApp("site")
            let noise = String((0..<300_000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            let commit = try await source.work.commit("a large file", files: ["noise.txt": noise])
            try await source.work.checked(["push", "-q", "-f", source.bare, "main"])
            let created = try await gantry.api.createWebhook(app: "site", CreateWebhook(provider: .github, repoURL: source.url))

            let response = try await deliver(.github, created, after: commit, id: "big-1")
            #expect(response.status == 202)
            let delivery = try await waitForDelivery(gantry, "big-1")
            #expect(delivery.status == .failed)
            #expect(delivery.detail?.contains("the fetch received more than 19.5 KiB, the limit (gantryd --max-push-bytes)") == true, "\(delivery.detail ?? "")")
            #expect(try await gantry.builds("site").isEmpty)
            #expect(try await gantry.serverRefs("site")["refs/heads/main"] == nil)
        }
    }

    @Test func aFetchedPackThatInflatesPastTheLimitFailsTheDeliveryAndBuildsNothing() async throws {
        // 100 MiB of zeros: some 100 KiB on the wire, under the 1 MiB push limit; 100 MiB
        // inflated, over the 64 MiB a push of that limit may inflate to.
        try await withDaemon(maxPushBytes: 1 << 20) { gantry in
            let source = try await SourceRepository.make(in: gantry)
            defer { source.server.kill() }
            try await gantry.createApp("site")
            let commit = try await source.work.commit("zeros", data: ["zeros.bin": Data(count: 100 << 20)])
            try await source.work.checked(["push", "-q", "-f", source.bare, "main"])
            let created = try await gantry.api.createWebhook(app: "site", CreateWebhook(provider: .gitlab, repoURL: source.url))

            _ = try await deliver(.gitlab, created, after: commit, id: "zeros-1")
            let delivery = try await waitForDelivery(gantry, "zeros-1")
            #expect(delivery.status == .failed)
            #expect(delivery.detail?.contains("the pack inflates to more than 64.0 MiB") == true, "\(delivery.detail ?? "")")
            #expect(try await gantry.builds("site").isEmpty)
            #expect(try await gantry.serverRefs("site")["refs/heads/main"] == nil)
        }
    }

    @Test func aReplayedOlderCommitIsRefusedAndTheLiveReleaseStays() async throws {
        try await withDaemon { gantry in
            let source = try await SourceRepository.make(in: gantry)
            defer { source.server.kill() }
            try await gantry.createApp("site")
            let created = try await gantry.api.createWebhook(app: "site", CreateWebhook(provider: .gitea, repoURL: source.url))
            let older = try await source.work.revParse("HEAD")
            let newer = try await source.commit("newer", greeting: "Hello from Gantry (python-flask), newer")
            _ = try await deliver(.gitea, created, after: newer, id: "new-1")
            let deployed = try await waitForDelivery(gantry, "new-1")
            #expect(deployed.status == .deployed, "\(deployed.detail ?? "")\n\(gantry.logTail())")
            let releases = try await gantry.api.releases(app: "site").count

            // The older commit is still on the server's history; a new delivery id names it.
            let replay = try await deliver(.gitea, created, after: older, id: "old-1")
            #expect(replay.status == 202)
            let refused = try await waitForDelivery(gantry, "old-1")
            #expect(refused.status == .failed)
            #expect(refused.detail?.contains("is not a fast-forward of the deployed commit \(newer.prefix(7))") == true, "\(refused.detail ?? "")")
            #expect(try await gantry.serverRefs("site")["refs/heads/main"] == newer)
            #expect(try await gantry.api.releases(app: "site").count == releases)
            #expect(try await gantry.get("site").text.contains("newer"))
        }
    }
}
