import Crypto
import Foundation
import GantrySwarm
import GantryTesting

/// A small image made from the project's stack: python3 and its standard library (about 25 MB,
/// not the stack's 700 MB), with a web process that answers `release=$RELEASE host=$HOSTNAME`
/// on `$PORT` and logs to stdout (`listening on …`) and stderr (`request …`). Two tags share
/// the layer: `healthy`, and `broken`, whose image healthcheck always fails.
struct TestImage {
    let healthy: String
    let broken: String
    let directory: String

    static let port = 8000

    /// The healthcheck Gantry would derive from app.json: a GET of / inside the container.
    static let healthcheck = Healthcheck(
        test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:\(port)/', timeout=2)"],
        interval: .milliseconds(500), timeout: .seconds(2), retries: 3, startPeriod: .seconds(10))

    static let server = """
        import http.server, os, socket, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("release=%s host=%s\\n" % (os.environ.get("RELEASE", ""), socket.gethostname())).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, format, *args):
                sys.stderr.write("request %s\\n" % (format % args))
                sys.stderr.flush()
        print("listening on %s" % os.environ["PORT"], flush=True)
        http.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()

        """

    /// Builds the archive and loads it into `engine`.
    static func load(into engine: DockerEngine) async throws -> TestImage {
        let name = "gantry-swarm-test-" + UUID().uuidString.prefix(8).lowercased()
        let directory = FileManager.default.temporaryDirectory.path + "/" + name
        let image = TestImage(healthy: name + ":healthy", broken: name + ":broken", directory: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory + "/app/app", withIntermediateDirectories: true)
            try server.write(toFile: directory + "/app/app/server.py", atomically: true, encoding: .utf8)
            let libraries = ["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libz.so.1", "libz.so.1.2.13", "libexpat.so.1", "libexpat.so.1.8.10"]
            let layer = try await Shell.run("/usr/bin/tar", [
                "-cf", directory + "/layer.tar", "--owner=0", "--group=0", "--numeric-owner", "--sort=name",
                "--exclude=usr/lib/python3.11/test", "--exclude=__pycache__", "--exclude=usr/lib/python3.11/dist-packages",
                "-C", EngineFixture.stackRoot, "bin", "lib", "lib64", "usr/lib64", "usr/bin/python3", "usr/bin/python3.11", "usr/lib/python3.11", "tmp",
            ] + libraries.map { "usr/lib/x86_64-linux-gnu/" + $0 } + ["-C", directory + "/app", "app/server.py"])
            guard layer.status == 0 else { throw EngineFixture.Failure("tar of the test layer failed: \(layer.output)") }
            let diffID = "sha256:" + SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: directory + "/layer.tar")))
                .map { String(format: "%02x", $0) }.joined()
            func config(healthcheck: [String: Any]?) -> [String: Any] {
                var container: [String: Any] = [
                    "Env": ["PATH=/usr/bin:/bin", "PORT=\(port)"], "Cmd": ["python3", "/app/server.py"], "WorkingDir": "/app",
                ]
                if let healthcheck { container["Healthcheck"] = healthcheck }
                return ["architecture": "amd64", "os": "linux", "config": container, "rootfs": ["type": "layers", "diff_ids": [diffID]]]
            }
            let failing: [String: Any] = [
                "Test": ["CMD", "python3", "-c", "import sys; print('health: refusing on purpose'); sys.exit(1)"],
                "Interval": 500_000_000, "Timeout": 2_000_000_000, "Retries": 2,
            ]
            try JSONSerialization.data(withJSONObject: config(healthcheck: nil)).write(to: URL(fileURLWithPath: directory + "/healthy.json"))
            try JSONSerialization.data(withJSONObject: config(healthcheck: failing)).write(to: URL(fileURLWithPath: directory + "/broken.json"))
            let manifest: [[String: Any]] = [
                ["Config": "healthy.json", "RepoTags": ["\(name):healthy"], "Layers": ["layer.tar"]],
                ["Config": "broken.json", "RepoTags": ["\(name):broken"], "Layers": ["layer.tar"]],
            ]
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
            let archive = try await Shell.run("/usr/bin/tar", [
                "-cf", directory + "/image.tar", "-C", directory, "manifest.json", "healthy.json", "broken.json", "layer.tar",
            ])
            guard archive.status == 0 else { throw EngineFixture.Failure("tar of the image archive failed: \(archive.output)") }
            let loaded = try await engine.loadImage(archive: directory + "/image.tar")
            guard loaded.contains("Loaded image: \(name):healthy"), loaded.contains("Loaded image: \(name):broken") else {
                throw EngineFixture.Failure("the engine loaded \(loaded), not both tags of \(name)")
            }
        } catch {
            await image.remove(from: engine)
            throw error
        }
        return image
    }

    /// Removes both tags and the scratch directory.
    func remove(from engine: DockerEngine) async {
        _ = try? await engine.removeImage(healthy)
        _ = try? await engine.removeImage(broken)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
