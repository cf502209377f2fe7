import Foundation
import GantryClient
import GantryCore
import GantryServer
import GantryStore
import GantryTesting
import Synchronization
import Testing

/// `GET /api/v1/apps/NAME/export?format=k8s`: which release it exports, what it refuses.
@Suite struct ExportAPITests {
    static let reference = "127.0.0.1:5000/hello@sha256:" + String(repeating: "e", count: 64)

    /// Operations that answer an export with what they were asked (release, image, namespace).
    final class EchoExport: RefusingOperations {
        func kubernetesManifests(_ release: Release, image: String, namespace: String?) async throws -> String {
            "release: v\(release.version)\nimage: \(image)\nnamespace: \(namespace ?? "none")\n"
        }
    }

    /// App `hello`: v1 pushed to a registry (live, then superseded), v2 live and pushed, v3 not pushed.
    static func seed(_ server: TestServer, liveVersion: Int? = 2) async throws {
        _ = try await server.client.createApp("hello")
        let store = try await blocking { [path = server.dataDirectory.database] in try Store(path: path) }
        defer { try? store.close() }
        for version in 1...3 {
            let release = try await store.createRelease(
                app: AppName("hello"), buildID: nil, imageTag: "hello:\(version)", imageDigest: "sha256:" + String(repeating: "c", count: 64),
                imageReference: version == 3 ? nil : reference, commit: nil, config: ["SECRET": "v\(version)"], processTypes: ["web": "gunicorn app:app"],
                description: "Deploy", createdBy: "alice")
            if let liveVersion, version <= liveVersion { try await store.markReleaseLive(id: release.id) }
        }
    }

    static func get(_ server: TestServer, _ path: String) async throws -> GantryClient.HTTPResponse {
        try await HTTPClient().perform(GantryClient.HTTPRequest(method: .get, url: server.url + path, headers: ["Authorization": "Bearer \(server.token)"]))
    }

    @Test func exportsTheLiveReleaseOrTheOneNamedAsYAML() async throws {
        try await TestServer.with(operations: EchoExport()) { server in
            try await Self.seed(server)
            let live = try await server.client.kubernetesManifests(app: "hello", version: nil, namespace: nil)
            #expect(live == "release: v2\nimage: \(Self.reference)\nnamespace: none\n")
            let named = try await server.client.kubernetesManifests(app: "hello", version: 1, namespace: "team-a")
            #expect(named == "release: v1\nimage: \(Self.reference)\nnamespace: team-a\n")
            let raw = try await Self.get(server, "/api/v1/apps/hello/export?format=k8s")
            #expect(raw.status == 200 && raw.header("Content-Type") == "application/yaml; charset=utf-8")
        }
    }

    @Test func aReleaseNotPushedToARegistryIsAConflictSayingWhatToDo() async throws {
        try await TestServer.with(operations: EchoExport()) { server in
            try await Self.seed(server)
            let error = await #expect(throws: ClientError.self) {
                try await server.client.kubernetesManifests(app: "hello", version: 3, namespace: nil)
            }
            #expect(error == .rejected(status: 409, message: "v3 of hello was not pushed to a registry: start gantryd with --registry URL and push again"))
            #expect(error?.exitCode == 1)
            #expect(error?.description == "v3 of hello was not pushed to a registry: start gantryd with --registry URL and push again")
        }
    }

    @Test func anAppWithoutALiveReleaseHasNothingToExportByDefault() async throws {
        try await TestServer.with(operations: EchoExport()) { server in
            try await Self.seed(server, liveVersion: nil)
            let error = await #expect(throws: ClientError.self) {
                try await server.client.kubernetesManifests(app: "hello", version: nil, namespace: nil)
            }
            #expect(error == .rejected(status: 409, message: "hello has no live release to export; push one, or name a release with --release vN"))
            // Named, a release that was never live exports all the same.
            #expect(try await server.client.kubernetesManifests(app: "hello", version: 2, namespace: nil).hasPrefix("release: v2\n"))
        }
    }

    @Test func refusesUnknownFormatsVersionsAndNamespaces() async throws {
        try await TestServer.with(operations: EchoExport()) { server in
            try await Self.seed(server)
            let cases: [(String, Int, String)] = [
                ("/api/v1/apps/hello/export", 400, "say which format to export: format=k8s (Kubernetes manifests)"),
                ("/api/v1/apps/hello/export?format=helm", 400, "unknown export format 'helm': the one there is is k8s (Kubernetes manifests)"),
                ("/api/v1/apps/hello/export?format=k8s&release=seven", 400, "invalid release version 'seven': use vN or N, such as v12"),
                ("/api/v1/apps/hello/export?format=k8s&release=v9", 404, "app 'hello' has no release v9"),
                ("/api/v1/apps/nope/export?format=k8s", 404, "no app named 'nope'"),
                (
                    "/api/v1/apps/hello/export?format=k8s&namespace=Team_A", 400,
                    "invalid namespace 'Team_A': a Kubernetes namespace is 1 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit"
                ),
            ]
            for (path, status, message) in cases {
                let response = try await Self.get(server, path)
                #expect(response.status == status, "\(path): \(response.text)")
                #expect(response.text.contains(message), "\(path): \(response.text)")
            }
        }
    }

    @Test func aServerThatDoesNotDeploySaysSo() async throws {
        try await TestServer.with { server in
            try await Self.seed(server)
            let error = await #expect(throws: ClientError.self) {
                try await server.client.kubernetesManifests(app: "hello", version: nil, namespace: nil)
            }
            #expect(error == .serverError(status: 503, message: "this server does not export releases"))
        }
    }
}
