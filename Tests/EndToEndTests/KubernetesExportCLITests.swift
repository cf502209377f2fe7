import Foundation
import GRDB
import GantryClient
import Testing

/// `gantry export APP --k8s` against a real gantryd: a pushed release, read from its stored
/// image and app.json, rendered from the checkout's templates/k8s/, read back by the
/// `kubernetes` client's models (Tests/Support/k8s/validate.py).
@Suite("gantry export --k8s", .serialized, .timeLimit(.minutes(5)))
struct KubernetesExportCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let reference = "127.0.0.1:5000/kube@sha256:" + String(repeating: "d", count: 64)

    @Test func theCLIPrintsAPushedReleaseAsValidManifestsAndSaysWhenOneWasNotPushed() async throws {
        let python = Self.root + "/.build/k8s-venv/bin/python3"
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "the Kubernetes validator's Python environment is missing (\(python)): create it with `make k8s-venv`")
        try await withDaemon { gantry in
            try await gantry.createApp("kube")
            let repo = try await gantry.makeRepo("kube")
            try await repo.commit("two types, checks", files: [
                "Procfile": "web: busybox httpd -f -p $PORT -h /app\nworker: sleep 100000\n",
                "app.json": #"{"healthchecks": {"web": [{"type": "startup", "path": "/Procfile", "attempts": 5, "wait": 1}, {"type": "liveness", "path": "/app.json", "attempts": 3, "wait": 10}]}}"#,
            ])
            try #require(await repo.push(gantry.remote("kube"), ["main"]).succeeded)
            let secret = "postgres://u:p@db/kube # not: a comment\n- nor a list"
            let change = try await gantry.api.changeConfig(app: "kube", set: ["DATABASE_URL": secret])
            let version = try #require(change.release?.version)
            _ = try await gantry.api.addDomains(app: "kube", ["kube.example.com"])

            // v1 was not pushed to a registry: the CLI prints gantryd's reason, exit status 1.
            let refused = try await gantry.cli(["export", "kube", "--k8s", "--release", "v1"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "gantry: v1 of kube was not pushed to a registry: start gantryd with --registry URL and push again\n")

            // The live release, as if gantryd had pushed it (the registry push is built elsewhere).
            let database = try DatabaseQueue(path: gantry.data.database)
            try await database.write { db in
                try db.execute(
                    sql: "UPDATE releases SET image_reference = ? WHERE version = ? AND app_id = (SELECT id FROM apps WHERE name = 'kube')",
                    arguments: [Self.reference, version])
            }
            try database.close()
            let exported = try await gantry.cli(["export", "kube", "--k8s", "--namespace", "prod"])
            #expect(exported.status == 0, "\(exported)")
            let yaml = String(decoding: exported.output, as: UTF8.self)

            let validated = try await ChildProcess.run(
                python, [Self.root + "/Tests/Support/k8s/validate.py", "--dump", "-"], input: Data(yaml.utf8), timeout: .seconds(120))
            #expect(validated.status == 0, "\(validated.stderr)\n\(String(decoding: validated.output, as: UTF8.self))\n\(yaml)")
            let documents = try #require(try JSONSerialization.jsonObject(with: validated.output) as? [[String: Any]])
            #expect(documents.map { $0["kind"] as? String } == ["Secret", "Deployment", "Deployment", "Service", "Ingress"])
            #expect((documents[0]["stringData"] as? [String: String])?["DATABASE_URL"] == secret)
            let web = try #require(((documents[1]["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
            let container = try #require((web["containers"] as? [[String: Any]])?.first)
            #expect(container["image"] as? String == Self.reference)
            // The Procfile line, its `$` doubled: Kubernetes reduces `$$` to `$` (and would expand `$(NAME)`).
            #expect((container["command"] as? [String])?.last == "busybox httpd -f -p $$PORT -h /app")
            #expect(((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/app.json")
            #expect((container["startupProbe"] as? [String: Any])?["failureThreshold"] as? Int == 5)
            let hosts = ((documents[4]["spec"] as? [String: Any])?["rules"] as? [[String: Any]])?.compactMap { $0["host"] as? String }
            #expect(hosts == ["kube.localhost", "kube.example.com"])
            #expect(documents.allSatisfy { ($0["metadata"] as? [String: Any])?["namespace"] as? String == "prod" })
        }
    }
}
