import Foundation
import GantryImage
import GantryRegistry
import Testing

/// Bearer-token auth against `docker-registry`'s `auth: token` mode and a token service of the test's.
@Suite("registry token auth", .serialized, .timeLimit(.minutes(2)))
struct RegistryTokenAuthTests {
    @Test(.scratchDirectory) func aBearerChallengeIsAnsweredWithATokenFromItsRealm() async throws {
        let tokens = try TokenService(username: "ci", password: "t0ken-Pa55")
        defer { tokens.server.stop() }
        try await withDockerRegistry(token: tokens.auth) { registry in
            let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 100_000)
            let hello = try await images.image("hello", content: "hello", tag: "hello:v1")
            let other = try await images.image("other", content: "other", tag: "other:v1")
            let client = RegistryClient(
                endpoint: try RegistryEndpoint(registry.url), credentials: RegistryCredentials(username: "ci", password: "t0ken-Pa55"))
            let pushed = try await client.push(hello, from: images.layout, repository: "hello")
            try await client.tag(pushed, as: "v1")
            // A mount needs pull on the source repository too: the token asked for says so.
            let mounted = try await client.push(other, from: images.layout, repository: "other")
            #expect(mounted.mounted == 1, "\(mounted)")
            #expect(tokens.server.requests.contains { $0.target.contains("scope=repository%3Ahello%3Apull") && $0.target.contains("repository%3Aother%3Apull%2Cpush") })
            #expect(try await Skopeo.inspect("\(registry.authority)/hello:v1", credentials: "ci:t0ken-Pa55").Digest == hello.digest.description)

            let wrong = RegistryClient(endpoint: try RegistryEndpoint(registry.url), credentials: RegistryCredentials(username: "ci", password: "nope-Pa55"))
            let error = try await #require(throws: RegistryError.self) { try await wrong.push(hello, from: images.layout, repository: "hello") }
            guard case .authenticationFailed = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("token service \(tokens.server.url)/token answered HTTP 401"), "\(error)")
            #expect(!error.description.contains("nope-Pa55"))
        }
    }
}
