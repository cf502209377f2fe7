import Foundation

/// A Docker engine in an active single-node Swarm for tests: the one `DOCKER_HOST` names (CI's
/// `scripts/docker-engine run`), else one started by `scripts/docker-engine start` for the
/// caller and stopped — the host restored — afterwards, even on failure.
public enum SwarmEngine {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let script = repository + "/scripts/docker-engine"

    /// Why no engine can be used here, or nil when one can.
    public static let unavailableReason: String? = {
        if let host = ProcessInfo.processInfo.environment["DOCKER_HOST"], !host.isEmpty { return nil }
        if getuid() != 0 { return "starting dockerd needs root (uid \(getuid())); or set DOCKER_HOST=unix:///path to a Swarm manager's socket" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/dockerd") {
            return "no /usr/sbin/dockerd (Debian package docker.io; make setup installs it); or set DOCKER_HOST"
        }
        return nil
    }()

    /// Whether Swarm tests can run; when not, the reason is printed once: a skip is never silent.
    public static let isAvailable: Bool = {
        if let unavailableReason { print("◇ Swarm tests skipped: \(unavailableReason)") }
        return unavailableReason == nil
    }()

    /// Runs `body` with the engine's `DOCKER_HOST` (`unix:///…/docker.sock`).
    public static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        if let host = ProcessInfo.processInfo.environment["DOCKER_HOST"], !host.isEmpty { return try await body(host) }
        let directory = FileManager.default.temporaryDirectory.path + "/gantry-engine-" + String(UUID().uuidString.prefix(8))
        let started = try await Shell.run(script, ["start", directory], errors: .separate, timeout: .seconds(120))
        guard started.status == 0 else {
            _ = try? await Shell.run(script, ["stop", directory], timeout: .seconds(120))
            throw Failure("scripts/docker-engine start failed (\(started.status)): \(started.error)")
        }
        do {
            let result = try await body(started.output.trimmingCharacters(in: .whitespacesAndNewlines))
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

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}
