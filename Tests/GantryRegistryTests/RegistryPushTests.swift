import Foundation
import GantryHTTP
import GantryImage
import GantryRegistry
import Testing

/// Pushes to Debian's real `docker-registry` on loopback, checked with `skopeo`.
@Suite("registry push", .serialized, .timeLimit(.minutes(3)))
struct RegistryPushTests {
    @Test(.scratchDirectory) func aPushedImageIsWhatSkopeoReadsUnderItsTagAndDigest() async throws {
        try await withDockerRegistry { registry in
            let images = try await TestImages(root: ScratchDirectory.path)
            let image = try await images.image("hello", content: "v1", tag: "hello:v1")
            let client = RegistryClient(endpoint: try RegistryEndpoint(registry.url))
            let pushed = try await client.push(image, from: images.layout, repository: "hello")
            try await client.tag(pushed, as: "v1")

            #expect(pushed.reference == "\(registry.authority)/hello@\(image.digest)")
            #expect(pushed.blobs == 3 && pushed.alreadyThere == 0 && pushed.mounted == 0)
            let manifestSize = try #require(FileManager.default.attributesOfItem(atPath: images.layout.blobPath(image.digest))[.size] as? Int)
            let configSize = try #require(FileManager.default.attributesOfItem(atPath: images.layout.blobPath(image.configDigest))[.size] as? Int)
            #expect(pushed.bytesSent == Int64(image.size + configSize + manifestSize))
            #expect(pushed.summary.hasPrefix("Pushed \(registry.authority)/hello@\(image.digest.description.prefix(19))… (3 blobs, 0 already there, "))

            let byTag = try await Skopeo.inspect("\(registry.authority)/hello:v1")
            #expect(byTag.Digest == image.digest.description)
            #expect(byTag.Layers == image.layers.map(\.digest.description))
            #expect(try await Skopeo.inspect(pushed.reference).Digest == image.digest.description)
            let copied = try await Skopeo.copy("\(registry.authority)/hello:v1", to: ScratchDirectory.path + "/copy")
            #expect(copied == image.blobNames)
        }
    }

    @Test(.scratchDirectory) func aSecondPushOfTheSameImageSendsNoBlobBytes() async throws {
        try await withDockerRegistry { registry in
            let images = try await TestImages(root: ScratchDirectory.path)
            let image = try await images.image("hello", content: "v1", tag: "hello:v1")
            let endpoint = try RegistryEndpoint(registry.url)
            let first = try await RegistryClient(endpoint: endpoint).push(image, from: images.layout, repository: "hello")
            #expect(first.bytesSent > 3_000_000)
            // A new client knows nothing: the registry's answers to HEAD alone spare the bytes.
            let second = try await RegistryClient(endpoint: endpoint).push(image, from: images.layout, repository: "hello")
            let manifestSize = try #require(FileManager.default.attributesOfItem(atPath: images.layout.blobPath(image.digest))[.size] as? Int)
            #expect(second.alreadyThere == 3 && second.mounted == 0)
            #expect(second.bytesSent == Int64(manifestSize), "only the manifest is sent again")
            #expect(second.summary.contains("(3 blobs, 3 already there, \(String(format: "%.1f kB", Double(manifestSize) / 1000)) sent in "), "\(second.summary)")
            #expect(second.reference == first.reference)
            print("second push of an unchanged image: \(second.bytesSent) bytes sent (first: \(first.bytesSent))")
        }
    }

    @Test(.scratchDirectory) func aSecondAppSharingTheStackLayerMountsItInsteadOfUploadingIt() async throws {
        try await withDockerRegistry { registry in
            let images = try await TestImages(root: ScratchDirectory.path)
            let hello = try await images.image("hello", content: "hello", tag: "hello:v1")
            let other = try await images.image("other", content: "other", tag: "other:v1")
            try #require(hello.layers[0].digest == other.layers[0].digest, "both images share the stack layer")
            let client = RegistryClient(endpoint: try RegistryEndpoint(registry.url))
            _ = try await client.push(hello, from: images.layout, repository: "hello")
            let pushed = try await client.push(other, from: images.layout, repository: "other")
            #expect(pushed.mounted == 1 && pushed.alreadyThere == 0)
            #expect(pushed.bytesSent < Int64(other.layers[0].size), "the stack layer is not sent again: \(pushed.bytesSent) bytes")
            try await client.tag(pushed, as: "v1")
            let inspected = try await Skopeo.inspect("\(registry.authority)/other:v1")
            #expect(inspected.Layers == other.layers.map(\.digest.description))
            let copied = try await Skopeo.copy("\(registry.authority)/other:v1", to: ScratchDirectory.path + "/copy")
            #expect(copied == other.blobNames)
        }
    }

    @Test(.scratchDirectory) func basicAuthPushesWithTheCredentialsOfTheAuthFile() async throws {
        try await withDockerRegistry(users: ["gantry": "s3cret-Pa55"]) { registry in
            let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 100_000)
            let image = try await images.image("hello", content: "v1", tag: "hello:v1")
            let file = ScratchDirectory.path + "/auth.json"
            try #"{"username": "gantry", "password": "s3cret-Pa55"}"#.write(toFile: file, atomically: true, encoding: .utf8)
            chmod(file, 0o600)
            let client = RegistryClient(endpoint: try RegistryEndpoint(registry.url), credentials: try RegistryCredentials.load(from: file))
            let pushed = try await client.push(image, from: images.layout, repository: "hello")
            try await client.tag(pushed, as: "v1")
            #expect(try await Skopeo.inspect("\(registry.authority)/hello:v1", credentials: "gantry:s3cret-Pa55").Digest == image.digest.description)
        }
    }

    @Test(.scratchDirectory) func aWrongPasswordFailsAsAuthenticationWithoutThePassword() async throws {
        try await withDockerRegistry(users: ["gantry": "s3cret-Pa55"]) { registry in
            let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 100_000)
            let image = try await images.image("hello", content: "v1", tag: "hello:v1")
            let client = RegistryClient(
                endpoint: try RegistryEndpoint(registry.url), credentials: RegistryCredentials(username: "gantry", password: "wrong-Pa55word"))
            let error = try await #require(throws: RegistryError.self) { try await client.push(image, from: images.layout, repository: "hello") }
            guard case .authenticationFailed(let named, 401, _, _) = error else { Issue.record("\(error)"); return }
            #expect(named == registry.url)
            #expect(error.description.contains("authentication failed"), "\(error)")
            #expect(!error.description.contains("wrong-Pa55word") && !error.description.contains(Data("gantry:wrong-Pa55word".utf8).base64EncodedString()))

            let anonymous = RegistryClient(endpoint: try RegistryEndpoint(registry.url))
            let missing = try await #require(throws: RegistryError.self) { try await anonymous.push(image, from: images.layout, repository: "hello") }
            #expect(missing.description.contains("--registry-auth-file"), "\(missing)")
        }
    }

    @Test(.scratchDirectory) func anUnreachableRegistryIsNamedInTheError() async throws {
        let port = RefusedPort.shared.port
        let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 1000)
        let image = try await images.image("hello", content: "v1", tag: "hello:v1")
        let client = RegistryClient(endpoint: try RegistryEndpoint("http://127.0.0.1:\(port)"))
        let error = try await #require(throws: RegistryError.self) { try await client.push(image, from: images.layout, repository: "hello") }
        guard case .unreachable = error else { Issue.record("\(error)"); return }
        #expect(error.description.hasPrefix("registry http://127.0.0.1:\(port) is unreachable"), "\(error)")
    }

    @Test(.scratchDirectory) func theRegistrysOwnErrorMessageIsQuoted() async throws {
        try await withDockerRegistry { registry in
            let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 1000)
            let image = try await images.image("hello", content: "v1", tag: "hello:v1")
            let client = RegistryClient(endpoint: try RegistryEndpoint(registry.url))
            var pushed = try await client.push(image, from: images.layout, repository: "hello")
            pushed.repository = "empty"  // its manifest names blobs that repository lacks
            let error = try await #require(throws: RegistryError.self) { try await client.tag(pushed, as: "v1") }
            guard case .refused(_, let operation, 400, let message) = error else { Issue.record("\(error)"); return }
            #expect(operation == "tag empty:v1")
            #expect(message.contains("blob unknown"), "\(message)")
        }
    }

    @Test(.scratchDirectory) func aRegistryStoringAnotherDigestIsAMismatch() async throws {
        try await withDockerRegistry { registry in
            let images = try await TestImages(root: ScratchDirectory.path, stackBytes: 1000)
            let first = try await images.image("hello", content: "v1", tag: "hello:v1")
            let second = try await images.image("hello", content: "v2", tag: "hello:v2")
            let client = RegistryClient(endpoint: try RegistryEndpoint(registry.url))
            _ = try await client.push(second, from: images.layout, repository: "hello")
            var pushed = try await client.push(first, from: images.layout, repository: "hello")
            pushed.digest = second.digest  // claims v2's digest for v1's manifest bytes
            let error = try await #require(throws: RegistryError.self) { try await client.tag(pushed, as: "v1") }
            #expect(error == .digestMismatch(
                registry: registry.url, operation: "tag hello:v1", expected: second.digest.description, actual: first.digest.description))
        }
    }
}
