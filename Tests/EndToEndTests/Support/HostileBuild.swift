import Foundation
import GantryCore

/// A copy of the bundled buildpacks whose `procfile` compile runs the app's own `build.sh`
/// (`build.sh BUILD_DIR CACHE_DIR ENV_DIR`), as a language buildpack runs an app's `setup.py`
/// or npm scripts: code from the push, running as root in the build container.
struct HostileBuildpacks {
    let scratch: ScratchDirectory
    var path: String { scratch.path + "/buildpacks" }
    /// gantryd's flag to use them.
    var arguments: [String] { ["--buildpacks-dir", path] }

    init() throws {
        scratch = try ScratchDirectory(prefix: "gantry-buildpacks")
        let bundled = URL(fileURLWithPath: Templates.directory).deletingLastPathComponent().appendingPathComponent("buildpacks").path
        try FileManager.default.copyItem(atPath: bundled, toPath: path)
        let compile = path + "/procfile/bin/compile"
        try FileManager.default.removeItem(atPath: compile)
        try Data("""
            #!/usr/bin/env bash
            set -e
            if [ -f "$1/build.sh" ]; then bash "$1/build.sh" "$1" "$2" "$3"; fi
            """.utf8).write(to: URL(fileURLWithPath: compile))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: compile)
    }

    func remove() { scratch.remove() }
}

/// Runs `body` with a gantryd whose Procfile apps run their `build.sh`, then removes both.
func withHostileDaemon<Value: Sendable>(arguments: [String] = [], _ body: (GantryDaemon) async throws -> Value) async throws -> Value {
    let buildpacks = try HostileBuildpacks()
    defer { buildpacks.remove() }
    return try await withDaemon(arguments: buildpacks.arguments + arguments, body)
}

extension GantryDaemon {
    /// The image tags in gantryd's OCI layout, sorted.
    func imageTags() throws -> [String] {
        try index().compactMap { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] }.sorted()
    }

    /// The blob names (hex digests) in the layout, sorted.
    func blobs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data.images + "/blobs/sha256")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The unpacked layers (hex digests) in `DATA_DIR/layers`, sorted.
    func unpackedLayers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data.layers)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The entries of `DATA_DIR/tmp`, sorted.
    func scratchEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data.scratch)) ?? []).sorted()
    }

    /// The app layer (last layer) of the image tagged `tag`: its hex digest and size.
    func appLayer(ofImage tag: String) throws -> (hex: String, size: Int) {
        guard let entry = try index().first(where: { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == tag }),
              let manifestDigest = entry["digest"] as? String,
              let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: blobPath(manifestDigest)))) as? [String: Any],
              let layer = (manifest["layers"] as? [[String: Any]])?.last, let digest = layer["digest"] as? String, let size = layer["size"] as? Int
        else { throw FixtureFailure("no image \(tag) in \(data.images)") }
        return (String(digest.dropFirst("sha256:".count)), size)
    }

    func blobPath(_ digest: String) -> String {
        data.images + "/blobs/sha256/" + (digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest)
    }

    /// `tar -tvf` of a blob: one line per entry, its type and mode first (`-rwxr-xr-x`, `crw…`, `h…`).
    func listLayer(_ hex: String) async throws -> [String] {
        let output = try await ChildProcess.run("/usr/bin/tar", ["--numeric-owner", "-tvf", blobPath(hex)], timeout: .seconds(60))
        guard output.succeeded else { throw FixtureFailure("tar refused layer \(hex): \(output)") }
        return output.stdout.split(separator: "\n").map(String.init)
    }

    /// A file's permission bits (`lstat`), or nil when there is nothing.
    func mode(_ path: String) -> Int? {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_mode & 0o7777) : nil
    }

    private func index() throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.images + "/index.json")))
        return (json as? [String: Any])?["manifests"] as? [[String: Any]] ?? []
    }
}
