import Foundation
import GantrySwarm
import GantryTesting
import Testing

/// Where the Swarm tests get their engine: `DOCKER_HOST` when set (CI's `scripts/docker-engine
/// run`), else one started per test by `scripts/docker-engine start` and stopped after it.
enum EngineFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let script = repository + "/scripts/docker-engine"
    static let stackRoot = repository + "/.stack/rootfs"

    /// Why no engine can be used here, or nil when one can.
    static let unavailableReason: String? = {
        let environment = ProcessInfo.processInfo.environment
        if (environment["DOCKER_HOST"] ?? "").isEmpty {
            if getuid() != 0 {
                return "starting dockerd needs root (uid \(getuid())); or set DOCKER_HOST=unix:///path to a Swarm manager's socket"
            }
            if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/dockerd") {
                return "no /usr/sbin/dockerd (Debian package docker.io; make setup installs it); or set DOCKER_HOST"
            }
        }
        if !FileManager.default.fileExists(atPath: stackRoot + "/usr/bin/python3") {
            return "no stack at \(stackRoot) to build the test image from (make setup builds it)"
        }
        return nil
    }()

    /// Whether the tests can run; when not, the reason is printed once, so a skip is never silent.
    static let isAvailable: Bool = {
        if let unavailableReason { print("◇ GantrySwarmTests skipped: \(unavailableReason)") }
        return unavailableReason == nil
    }()

    static var skipComment: Comment { Comment(rawValue: unavailableReason ?? "") }

    /// Runs `body` with an engine in an active single-node Swarm, started for it when
    /// `DOCKER_HOST` is not set, and stopped (the host restored) afterwards, even on failure.
    static func withEngine<T>(_ body: (DockerEngine) async throws -> T) async throws -> T {
        if let host = ProcessInfo.processInfo.environment["DOCKER_HOST"], !host.isEmpty {
            let engine = DockerEngine(host: try DockerHost(dockerHost: host))
            try await engine.requireSwarmManager()
            return try await body(engine)
        }
        let directory = FileManager.default.temporaryDirectory.path + "/gantry-engine-" + String(UUID().uuidString.prefix(8))
        let started = try await Shell.run(script, ["start", directory], errors: .separate, timeout: .seconds(120))
        guard started.status == 0 else {
            _ = try? await Shell.run(script, ["stop", directory], timeout: .seconds(120))
            throw Failure("scripts/docker-engine start failed (\(started.status)): \(started.error)")
        }
        do {
            let engine = DockerEngine(host: try DockerHost(dockerHost: started.output.trimmingCharacters(in: .whitespacesAndNewlines)))
            let result = try await body(engine)
            try await stop(directory)
            return result
        } catch {
            try? await stop(directory)
            throw error
        }
    }

    private static func stop(_ directory: String) async throws {
        let stopped = try await Shell.run(script, ["stop", directory], timeout: .seconds(120))
        guard stopped.status == 0 else { throw Failure("scripts/docker-engine stop failed (\(stopped.status)): \(stopped.output)") }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
