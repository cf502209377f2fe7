/// Why a Docker Engine API call or a wait on Swarm failed.
public enum EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `DOCKER_HOST` names an engine Gantry cannot talk to.
    case unsupportedHost(value: String, reason: String)
    /// Nothing answered on the socket: dockerd is not running, or the path is wrong.
    case unreachable(socketPath: String, detail: String)
    /// The engine answered `status` with its own `message` (the JSON body's `message`).
    case refused(operation: String, status: Int, message: String)
    /// The engine's answer could not be decoded.
    case malformedResponse(operation: String, detail: String)
    /// The engine is not a Swarm node (`Swarm.LocalNodeState` is `state`), or not a manager.
    case notInSwarm(state: String, detail: String)
    /// A file the call needs (an image archive) cannot be read.
    case unreadableFile(path: String, detail: String)
    /// Swarm rolled the update of `service` back: `taskError` is the failed task's own error
    /// (`task: non-zero exit (1)`, `dockerexec: unhealthy container`), `status` the update's message.
    case rolledBack(service: String, status: String, taskError: String?)
    /// `service` did not converge before the deadline; `state` says what was still missing.
    case notConverged(service: String, waited: Duration, state: String)

    /// Whether the engine answered 404 (no such service, container, network or image).
    public var isNotFound: Bool {
        if case .refused(_, 404, _) = self { return true }
        return false
    }

    /// A message a user can act on, with the engine's own words quoted.
    public var description: String {
        switch self {
        case .unsupportedHost(let value, let reason):
            "DOCKER_HOST=\(value) is not supported: \(reason)"
        case .unreachable(let socketPath, let detail):
            "cannot reach the Docker engine at \(socketPath) (\(detail)): is dockerd running, and is DOCKER_HOST=unix://PATH right?"
        case .refused(let operation, let status, let message):
            "the Docker engine refused to \(operation) (HTTP \(status)): \"\(message)\""
        case .malformedResponse(let operation, let detail):
            "the Docker engine's answer to \(operation) cannot be read: \(detail)"
        case .notInSwarm(let state, let detail):
            "this engine is not part of a Swarm (state \(state)\(detail.isEmpty ? "" : ": \(detail)")): run `docker swarm init`"
        case .unreadableFile(let path, let detail):
            "cannot read \(path): \(detail)"
        case .rolledBack(let service, let status, let taskError):
            "Swarm rolled service \(service) back (\(status))" + (taskError.map { ": the new task failed with \"\($0)\"" } ?? "")
        case .notConverged(let service, let waited, let state):
            "service \(service) did not converge within \(waited): \(state)"
        }
    }
}
