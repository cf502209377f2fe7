import Foundation
import GantryClient
import GantryCore
import Testing

/// `gantry domains:add` against a real gantryd: the router serves the app at its domain at
/// once (no redeploy), a wildcard one label deep, after a restart still, and no more once it
/// is removed.
@Suite("custom domains", .serialized, .timeLimit(.minutes(3)))
struct DomainsTests {
    @Test func aDomainAddedIsServedAtOnceAndAfterARestartAndARemovedOneIsNot() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("blog")
            let (repo, _) = try await gantry.makeRepo("blog", template: "static")
            let push = try await gantry.git.run(["push", gantry.remote("blog"), "main"], in: repo.path)
            try #require(push.succeeded, "\(push)")
            let releases = try await gantry.api.releases(app: "blog").count

            func status(_ host: String) async throws -> Int {
                try await HTTPClient().perform(GantryClient.HTTPRequest(
                    url: "http://127.0.0.1:\(gantry.routerPort)/", headers: ["Host": host], timeout: .seconds(10))).status
            }
            #expect(try await status("www.example.test") == 404)
            let added = try await gantry.cli(["domains:add", "blog", "www.example.test", "*.example.dev"])
            #expect(added.succeeded, "\(added)")
            #expect(try await status("www.example.test") == 200)
            #expect(try await status("WWW.EXAMPLE.TEST.:8080") == 200)
            #expect(try await status("preview.example.dev") == 200)
            #expect(try await status("example.dev") == 404)
            #expect(try await gantry.api.releases(app: "blog").count == releases, "no redeploy")
            let listed = try await gantry.cli(["domains", "blog"])
            #expect(listed.stdout.contains("www.example.test") && listed.stdout.contains("blog.localhost"), "\(listed)")

            try await gantry.restart()
            try await gantry.eventually("the app serves again after the restart") { (try? await gantry.get("blog").status) == 200 }
            #expect(try await status("www.example.test") == 200)

            let removed = try await gantry.cli(["domains:remove", "blog", "www.example.test"])
            #expect(removed.succeeded, "\(removed)")
            #expect(try await status("www.example.test") == 404)
            #expect(try await status("preview.example.dev") == 200)
        }
    }
}
