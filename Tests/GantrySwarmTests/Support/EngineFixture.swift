import Foundation
import GantrySwarm
import GantryTesting
import Testing

/// Where the Swarm tests get their engine: `DOCKER_HOST` when set (CI's `scripts/docker-engine
/// run`), else one started per test by `scripts/docker-engine start` and stopped after it.
enum EngineFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let stackRoot = repository + "/.stack/rootfs"

    /// Why no engine can be used here, or nil when one can.
    static let unavailableReason: String? = {
        if !FileManager.default.fileExists(atPath: stackRoot + "/usr/bin/python3") {
            return "no stack at \(stackRoot) to build the test image from (make setup builds it)"
        }
        return SwarmEngine.unavailableReason
    }()

    /// Whether the tests can run; when not, the reason is printed once, so a skip is never silent.
    static let isAvailable: Bool = {
        if let unavailableReason { print("◇ GantrySwarmTests skipped: \(unavailableReason)") }
        return unavailableReason == nil
    }()

    typealias Failure = SwarmEngine.Failure

    static var skipComment: Comment { Comment(rawValue: unavailableReason ?? "") }

    /// Runs `body` with an engine in an active single-node Swarm (`SwarmEngine.with`).
    static func withEngine<T>(_ body: (DockerEngine) async throws -> T) async throws -> T {
        try await SwarmEngine.with { dockerHost in
            let engine = DockerEngine(host: try DockerHost(dockerHost: dockerHost))
            try await engine.requireSwarmManager()
            return try await body(engine)
        }
    }
}
