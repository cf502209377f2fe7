import Foundation
import GantryClient
import GantryTesting
import Testing

/// A pack made to exhaust gantryd, pushed to a real daemon: refused with the reason, while
/// gantryd's memory stays small, the app's refs and another app stay as they were. With its
/// bounds on time and memory it runs in `make test`'s serialized load pass (`LOAD_TESTS`), not
/// beside the other end-to-end tests on two cores.
@Suite("hostile pushes", .serialized, .timeLimit(.minutes(2)))
struct HostilePushTests {
    @Test func aPackWhoseDeltaInflatesToTenGiBIsRefusedAndGantrydStaysSmall() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("bomb")
            try await gantry.createApp("bystander")
            let repo = try await gantry.makeRepo("bomb")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            // Another branch than main: stored without a build.
            for app in ["bomb", "bystander"] { try #require(await repo.push(gantry.remote(app), ["main:side"]).succeeded) }

            let started = ContinuousClock.now
            let response = try await postReceivePack(
                gantry, app: "bomb", command: "\(first) \(String(repeating: "1", count: 40)) refs/heads/side",
                pack: try await CraftedPack.deltaBomb().packed())
            let said = String(decoding: response.body, as: UTF8.self)
            #expect(said.contains("ng refs/heads/side unpacker error"), "\(said)")
            #expect(said.contains("is a delta whose result is 9.77 GiB, over the limit of 512.0 MiB per delta"), "\(said)")
            #expect(ContinuousClock.now - started < .seconds(10))

            let peak = GantryDaemon.peakResidentKiB(of: gantry.process.current.processIdentifier)
            #expect(peak > 0 && peak < 300 << 10, "gantryd's peak resident memory: \(peak >> 10) MiB")
            for app in ["bomb", "bystander"] {
                #expect(try await gantry.serverRefs(app) == ["refs/heads/side": first], "\(app)")
                // fsck notes that HEAD (main) is unborn: only its verdict counts here.
                let fsck = try await gantry.fsck(app)
                #expect(fsck.succeeded, "\(fsck)")
            }
            #expect(try await gantry.builds("bomb").isEmpty)
        }
    }

    @Test func aTreeTenThousandLevelsDeepPushedWithGitIsRefused() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("deep")
            let repo = try await gantry.makeRepo("deep")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            try #require(await repo.push(gantry.remote("deep"), ["main:side"]).succeeded)
            // fast-import writes a nesting no work tree could hold, on top of `first`.
            let path = Array(repeating: "d", count: 10_000).joined(separator: "/") + "/f"
            let stream = "commit refs/heads/deep\ncommitter T <t@example.com> 0 +0000\ndata 4\ndeep\nfrom \(first)\n"
                + "M 100644 inline \(path)\ndata 2\nx\n\n"
            try await repo.checked(["fast-import", "--quiet"], input: Data(stream.utf8))

            // git warns on stderr once per path it cannot check attributes for (thousands of
            // lines): --porcelain puts each ref's outcome on stdout.
            let push = try await repo.push(gantry.remote("deep"), ["deep:side"], options: ["--porcelain"])
            #expect(!push.succeeded, "\(push.stdout)")
            #expect(push.stdout.contains("refs/heads/deep:refs/heads/side\t[remote rejected] (tree "), "\(push.stdout)")
            #expect(push.stdout.contains("nests more than 4096 levels deep"), "\(push.stdout)")
            #expect(try await gantry.serverRefs("deep") == ["refs/heads/side": first])
        }
    }
}
