import Foundation
import GantryClient
import GantryCore
import Testing

/// Pushes gantryd must refuse: the pusher is told why and the repository is exactly as before.
extension GitPushTests {
    @Test func corruptPackIsRejectedWithAnUnpackErrorAndRefsStayPut() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("corrupt")
            let repo = try await gantry.makeRepo("corrupt")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            try #require(await repo.push(gantry.remote("corrupt"), ["main"]).succeeded)
            var noise = NoiseGenerator(seed: 5)
            let second = try await repo.commit("second", data: ["noise.bin": noise.bytes(64 << 10)])
            let packing = try await repo.run(
                ["pack-objects", "--revs", "--stdout", "-q"], input: Data("\(second)\n^\(first)\n".utf8))
            try #require(packing.succeeded, "\(packing)")
            let pack = [UInt8](packing.output)
            try #require(pack.count > 60_000 && pack.starts(with: Array("PACK".utf8)))

            var flipped = pack
            for index in pack.count / 2..<pack.count / 2 + 16 { flipped[index] ^= 0xFF }
            let truncated = Array(pack.prefix(pack.count / 2))

            for (label, body) in [("corrupt", flipped), ("truncated", truncated)] {
                let response = try await postReceivePack(
                    gantry, app: "corrupt", command: "\(first) \(second) refs/heads/main", pack: body)
                #expect(response.status == 200, "\(label) pack: HTTP \(response.status): \(response.bodyText)")
                let answer = try PktLine.demultiplex(response.body)
                let report = try PktLine.reportLines(answer.data)
                let unpack = report.first ?? ""
                #expect(
                    unpack.hasPrefix("unpack ") && unpack != "unpack ok",
                    "\(label) pack: expected an unpack error, got report \(report), progress \(answer.progress.debugDescription), error \(answer.error.debugDescription)")
                #expect(
                    report.contains { $0.hasPrefix("ng refs/heads/main ") },
                    "\(label) pack: expected `ng refs/heads/main REASON`, got \(report)")
                #expect(try await gantry.serverRefs("corrupt") == ["refs/heads/main": first], "\(label) pack")
            }
            let server = try gantry.repositoryPath("corrupt")
            let lookup = try await gantry.git.run(["--git-dir", server, "cat-file", "-e", second])
            #expect(!lookup.succeeded, "the refused commit \(second) is in the server's object database")
            try await expectClean(gantry.fsck("corrupt"))
            #expect(try await gantry.builds("corrupt").count == 1)
        }
    }

    @Test func wrongTokenFailsAuthenticationAndChangesNothing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("locked")
            let repo = try await gantry.makeRepo("locked")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            try #require(await repo.push(gantry.remote("locked"), ["main"]).succeeded)
            try await repo.commit("second", files: ["README.md": "second\n"])

            let push = try await repo.push(gantry.remote("locked", token: "not-the-token"), ["main"])

            #expect(!push.succeeded, "\(push)")
            #expect(push.stderr.contains("Authentication failed"), "\(push)")
            #expect(try await gantry.serverRefs("locked") == ["refs/heads/main": first])
            #expect(try await gantry.builds("locked").count == 1)
        }
    }

    @Test func atomicPushWithARefusedRefUpdatesNothing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("atomic")
            let repo = try await gantry.makeRepo("atomic")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            try await repo.checked(["branch", "master"])
            try #require(await repo.push(gantry.remote("atomic"), ["main", "master"]).succeeded)
            let before = ["refs/heads/main": first, "refs/heads/master": first]
            #expect(try await gantry.serverRefs("atomic") == before)
            let buildsBefore = try await gantry.builds("atomic").count
            let second = try await repo.commit("second", files: ["README.md": "second\n"])

            // A valid fast-forward of main, with the deletion of master (a deploy branch: refused).
            let updateAndDelete = try await repo.push(gantry.remote("atomic"), ["main", ":master"], options: ["--atomic"])
            #expect(!updateAndDelete.succeeded, "\(updateAndDelete)")
            #expect(updateAndDelete.stderr.contains("rejected"), "\(updateAndDelete)")
            #expect(try await gantry.serverRefs("atomic") == before)

            // A new branch, with the deletion of main.
            let createAndDelete = try await repo.push(
                gantry.remote("atomic"), ["\(second):refs/heads/feature", ":main"], options: ["--atomic"])
            #expect(!createAndDelete.succeeded, "\(createAndDelete)")
            #expect(try await gantry.serverRefs("atomic") == before)

            #expect(try await gantry.builds("atomic").count == buildsBefore)
            try await expectClean(gantry.fsck("atomic"))
        }
    }

    @Test func deletingMainIsRefused() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("keep")
            let repo = try await gantry.makeRepo("keep")
            let first = try await repo.commit("first", files: ["README.md": "first\n"])
            try #require(await repo.push(gantry.remote("keep"), ["main"]).succeeded)

            let push = try await repo.push(gantry.remote("keep"), [":main"])

            #expect(!push.succeeded, "\(push)")
            #expect(push.stderr.contains("[remote rejected] main"), "\(push)")
            #expect(try await gantry.serverRefs("keep") == ["refs/heads/main": first])
        }
    }

    @Test func pushToAnUnknownAppFailsWithAClearMessage() async throws {
        try await withDaemon { gantry in
            let repo = try await gantry.makeRepo("stray")
            try await repo.commit("first", files: ["README.md": "first\n"])

            let push = try await repo.push(gantry.remote("no-such-app"), ["main"])

            #expect(!push.succeeded, "\(push)")
            let said = push.stderr.lowercased()
            #expect(said.contains("no-such-app") && (said.contains("no app") || said.contains("not found")), "\(push)")
            #expect(!FileManager.default.fileExists(atPath: try gantry.repositoryPath("no-such-app")))
        }
    }

    @Test func pushOverTheSizeLimitIsRefused() async throws {
        try await withDaemon(maxPushBytes: 10_000) { gantry in
            try await gantry.createApp("small")
            let repo = try await gantry.makeRepo("small")
            let first = try await repo.commit("first", files: ["README.md": "small\n"])
            try #require(await repo.push(gantry.remote("small"), ["main"]).succeeded)
            var noise = NoiseGenerator(seed: 7)

            // 64 KiB goes in one body with Content-Length; 2 MiB goes chunked (git's
            // http.postBuffer is 1 MiB), so the limit must hold on the streamed body too.
            for size in [64 << 10, 2 << 20] {
                try await repo.checked(["reset", "-q", "--hard", first])
                try await repo.commit("too big", data: ["big.bin": noise.bytes(size)])

                let push = try await repo.push(gantry.remote("small"), ["main"])

                #expect(!push.succeeded, "\(size) bytes: \(push)")
                // The reason itself, in words: git prints a bare "HTTP 413" without the body.
                let said = push.stderr.lowercased()
                #expect(
                    ["limit", "too large", "larger than"].contains { said.contains($0) },
                    "\(size) bytes: the pusher is not told why:\n\(push.stderr)")
                #expect(try await gantry.serverRefs("small") == ["refs/heads/main": first], "\(size) bytes")
            }
            #expect(try await gantry.builds("small").count == 1)
            try await expectClean(gantry.fsck("small"))
        }
    }
}

/// POSTs one receive-pack request by hand (`command`, flush, then `pack`), as git would,
/// asking for report-status over side-band-64k.
func postReceivePack(_ gantry: GantryDaemon, app: String, command: String, pack: [UInt8]) async throws -> HTTPResponse {
    let body = PktLine.encode("\(command)\0report-status side-band-64k agent=gantry-e2e\n") + PktLine.flush + pack
    let credentials = Data("gantry:\(gantry.token)".utf8).base64EncodedString()
    let request = HTTPRequest(
        method: .post, url: "\(gantry.server)/\(app).git/git-receive-pack",
        headers: [
            "Content-Type": "application/x-git-receive-pack-request",
            "Accept": "application/x-git-receive-pack-result",
            "Authorization": "Basic \(credentials)",
        ],
        body: body, timeout: .seconds(60))
    return try await HTTPClient().perform(request)
}
