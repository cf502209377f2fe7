import Foundation
import GantryCore

/// The starter apps of `templates/`, copied into work trees by the real `gantry init`.
enum Templates {
    /// The checkout's `templates/` directory.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates").path

    /// The `gantry` CLI built beside gantryd.
    static func cli() throws -> String {
        let path = URL(fileURLWithPath: try DaemonLauncher.binary()).deletingLastPathComponent().appendingPathComponent("gantry").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw FixtureFailure("no gantry CLI at \(path); run `swift build`") }
        return path
    }
}

extension GantryDaemon {
    /// A work tree made by `gantry init --template TEMPLATE`, committed on `main`.
    /// - Returns: the repository and its commit.
    func makeRepo(_ name: String, template: String) async throws -> (GitRepo, String) {
        let path = scratch.path + "/" + name
        let initialized = try await ChildProcess.run(
            try Templates.cli(), ["init", "--template", template, "--templates-dir", Templates.directory, path],
            environment: git.environment, directory: scratch.path, input: nil, timeout: .seconds(30))
        guard initialized.succeeded else { throw FixtureFailure("gantry init failed: \(initialized)") }
        let repo = try await GitRepo.create(at: path, git: git)
        let commit = try await repo.commit("Start from \(template)", files: [:])
        return (repo, commit)
    }

    /// `skopeo inspect` of an image in gantryd's OCI layout, as JSON.
    func inspectImage(_ tag: String) async throws -> [String: Any] {
        let output = try await ChildProcess.run(
            try ChildProcess.find("skopeo"), ["inspect", "oci:\(data.images):\(tag)"],
            environment: ProcessInfo.processInfo.environment, directory: nil, input: nil, timeout: .seconds(60))
        guard output.succeeded, let json = try JSONSerialization.jsonObject(with: output.output) as? [String: Any] else {
            throw FixtureFailure("skopeo refused \(tag): \(output)")
        }
        return json
    }

    /// Mounts and container bundles of this daemon still present that belong to no release's
    /// process (`APP.vN.TYPE.INDEX`): what builds, tests and failed deploys left behind.
    func leftovers() -> [String] {
        let bundles = ((try? FileManager.default.contentsOfDirectory(atPath: data.containers)) ?? [])
        let processes = bundles.filter { AppProcess.parse(containerID: $0) != nil }
        let mounts = ChildProcess.read("/proc/mounts").split(separator: "\n").map(String.init)
            .filter { mount in mount.contains(data.root) && !processes.contains { mount.contains("/containers/\($0)/") } }
        return mounts + bundles.filter { !processes.contains($0) }
    }
}
