import Foundation
import GantryClient
import GantryCore
import GantryTesting
import Testing

/// Issue 18, item 1: gantryd with `--registry` pushes every built image to Debian's real
/// `docker-registry`, and `skopeo` reads back what the release records.
@Suite("registry push", .serialized, .timeLimit(.minutes(6)))
struct RegistryPushTests {
    @Test func everyReleaseIsPushedAndRecordsItsRegistryReferenceAndTheStackLayerGoesOnce() async throws {
        try await withDockerRegistry { registry in
            try await withDaemon(arguments: ["--registry", registry.url]) { gantry in
                try await gantry.createApp("hello")
                let (repo, _) = try await gantry.makeRepo("hello", template: "static")
                let first = try await repo.push(gantry.remote("hello"), ["main"])
                #expect(first.succeeded, "\(first)")
                #expect(first.stderr.contains("Pushed \(registry.authority)/hello@sha256:"), "\(first.stderr)")
                print(first.stderr.split(separator: "\n").filter { $0.contains("Pushed ") }.joined(separator: "\n"))
                // The 712 MB stack layer streamed from its file: gantryd never held it whole.
                let peak = GantryDaemon.peakResidentKiB(of: gantry.process.current.processIdentifier) >> 10
                print("gantryd's peak resident memory after pushing the stack layer: \(peak) MiB")
                #expect(peak < 400, "gantryd's peak resident memory reached \(peak) MiB")
                let v1 = try #require(try await gantry.api.releases(app: "hello").first)
                #expect(v1.imageReference == "\(registry.authority)/hello@\(v1.imageDigest)")
                #expect(try await skopeoDigest("\(registry.authority)/hello:v1") == v1.imageDigest)
                #expect(try await skopeoDigest(try #require(v1.imageReference)) == v1.imageDigest)

                // The next build shares the stack layer: the registry has it, nothing of it is sent.
                try await repo.commit("v2", files: ["index.html": "<p>v2</p>\n"])
                let second = try await repo.push(gantry.remote("hello"), ["main"])
                #expect(second.succeeded, "\(second)")
                let line = try #require(second.stderr.split(separator: "\n").first { $0.contains("Pushed \(registry.authority)/hello@") })
                print(line)
                #expect(line.contains("already there") && !line.contains(" 0 already there"), "\(line)")
                #expect(sentMegabytes(in: line) < 10, "the 700 MB stack layer is not sent again: \(line)")
                let v2 = try #require(try await gantry.api.releases(app: "hello").first)
                #expect(v2.version == 2 && v2.imageReference == "\(registry.authority)/hello@\(v2.imageDigest)")
                #expect(try await skopeoDigest("\(registry.authority)/hello:v2") == v2.imageDigest)

                // Another app's first push mounts the stack layer from hello's repository.
                try await gantry.createApp("other")
                let (otherRepo, _) = try await gantry.makeRepo("other", template: "static")
                let other = try await otherRepo.push(gantry.remote("other"), ["main"])
                #expect(other.succeeded, "\(other)")
                let otherLine = try #require(other.stderr.split(separator: "\n").first { $0.contains("Pushed \(registry.authority)/other@") })
                print(otherLine)
                #expect(sentMegabytes(in: otherLine) < 10, "\(otherLine)")
                let otherRelease = try #require(try await gantry.api.releases(app: "other").first)
                #expect(try await skopeoDigest("\(registry.authority)/other:v1") == otherRelease.imageDigest)
            }
        }
    }

    @Test func aStoppedRegistryRejectsThePushNamingItAndTheOldReleaseKeepsServing() async throws {
        try await withDockerRegistry { registry in
            try await withDaemon(arguments: ["--registry", registry.url]) { gantry in
                try await gantry.createApp("kept")
                let (repo, good) = try await gantry.makeRepo("kept", template: "static")
                try #require(await repo.push(gantry.remote("kept"), ["main"]).succeeded)
                let page = try await gantry.get("kept").text

                await registry.terminate()
                try await repo.commit("v2", files: ["index.html": "<p>never served</p>\n"])
                let push = try await repo.push(gantry.remote("kept"), ["main"])
                print(push.stderr.split(separator: "\n").filter { $0.contains("registry") }.joined(separator: "\n"))
                #expect(!push.succeeded)
                #expect(push.stderr.contains("Push to the registry failed: registry \(registry.url) is unreachable"), "\(push.stderr)")
                #expect(push.stderr.contains("main -> main (registry push failed)"), "\(push.stderr)")
                #expect(try await gantry.get("kept").text == page)
                #expect(try await gantry.serverRefs("kept") == ["refs/heads/main": good])
                let releases = try await gantry.api.releases(app: "kept")
                #expect(releases.map(\.version) == [1] && releases.map(\.status) == [.live])
            }
        }
    }

    @Test func aWrongRegistryPasswordRejectsThePushSayingAuthenticationFailedWithoutShowingIt() async throws {
        let secrets = try ScratchDirectory(prefix: "gantry-registry-auth")
        defer { secrets.remove() }
        try await withDockerRegistry(users: ["deployer": "Right-Pa55"]) { registry in
            let file = secrets.path + "/auth.json"
            try #"{"username": "deployer", "password": "Wrong-Pa55"}"#.write(toFile: file, atomically: true, encoding: .utf8)
            chmod(file, 0o600)
            try await withDaemon(arguments: ["--registry", registry.url, "--registry-auth-file", file]) { gantry in
                try await gantry.createApp("locked")
                let (repo, _) = try await gantry.makeRepo("locked", template: "static")
                let push = try await repo.push(gantry.remote("locked"), ["main"])
                print(push.stderr.split(separator: "\n").filter { $0.contains("registry") }.joined(separator: "\n"))
                #expect(!push.succeeded)
                #expect(push.stderr.contains("Push to the registry failed: registry \(registry.url) refused the credentials (401)"), "\(push.stderr)")
                #expect(push.stderr.contains("authentication failed; check the user name, password and rights in --registry-auth-file"), "\(push.stderr)")
                #expect(!push.stderr.contains("Wrong-Pa55") && !gantry.logTail(lines: 1000).contains("Wrong-Pa55"))
                #expect(try await gantry.api.releases(app: "locked").isEmpty)
                #expect(try await gantry.serverRefs("locked").isEmpty)
            }
        }
    }

    /// `skopeo inspect` of `reference` in the test registry: the manifest digest it reads.
    private func skopeoDigest(_ reference: String) async throws -> String {
        let result = try await Shell.run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "docker://" + reference], errors: .separate, timeout: .seconds(60))
        try #require(result.status == 0, "skopeo inspect \(reference): \(result.error)")
        struct Inspection: Decodable { var Digest: String }
        return try JSONDecoder().decode(Inspection.self, from: result.data).Digest
    }

    /// The `X.Y MB sent` (or `kB sent`) figure of a `Pushed …` line, in MB.
    private func sentMegabytes(in line: Substring) -> Double {
        for (unit, scale) in [(" MB sent", 1.0), (" kB sent", 0.001)] {
            guard let range = line.range(of: unit) else { continue }
            return (Double(line[..<range.lowerBound].split(whereSeparator: { $0 == " " || $0 == "(" }).last ?? "") ?? .infinity) * scale
        }
        return .infinity
    }
}
