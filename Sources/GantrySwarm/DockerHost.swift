import Foundation

/// Where the Docker engine listens, found the way the `docker` CLI finds it: `DOCKER_HOST`
/// (`unix:///path/to/docker.sock`), else `/var/run/docker.sock`. Only unix sockets are
/// supported: a `tcp://` engine would need TLS client certificates and an `ssh://` one an SSH
/// tunnel, neither of which Gantry sets up.
public struct DockerHost: Hashable, Sendable, CustomStringConvertible {
    /// The engine's socket path, absolute.
    public let socketPath: String

    /// The engine's default socket, `/var/run/docker.sock`.
    public static let defaultSocketPath = "/var/run/docker.sock"

    /// An engine at the unix socket `socketPath`, which must be absolute.
    /// - Throws: `EngineError.unsupportedHost` for a relative path.
    public init(socketPath: String) throws(EngineError) {
        guard socketPath.hasPrefix("/") else {
            throw .unsupportedHost(value: socketPath, reason: "the socket path must be absolute")
        }
        self.socketPath = socketPath
    }

    /// Parses a `DOCKER_HOST` value: `unix:///path` only.
    /// - Throws: `EngineError.unsupportedHost` for `tcp://`, `ssh://`, `npipe://`, `fd://` or anything else.
    public init(dockerHost value: String) throws(EngineError) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw .unsupportedHost(value: value, reason: "expected unix:///path/to/docker.sock")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "unix" else {
            throw .unsupportedHost(
                value: value,
                reason: "Gantry talks to the engine over its unix socket only (unix:///path/to/docker.sock); "
                    + "\(scheme):// is not supported — run gantryd on a Swarm manager and point DOCKER_HOST at its local socket")
        }
        let path = String(trimmed[schemeEnd.upperBound...])
        guard path.hasPrefix("/") else {
            throw .unsupportedHost(value: value, reason: "the socket path must be absolute (unix:///path/to/docker.sock)")
        }
        self.socketPath = path
    }

    /// The engine named by `environment["DOCKER_HOST"]`, else the default socket.
    /// - Throws: `EngineError.unsupportedHost` when `DOCKER_HOST` is set to anything but `unix://`.
    public static func fromEnvironment(_ environment: [String: String]) throws(EngineError) -> DockerHost {
        guard let value = environment["DOCKER_HOST"], !value.isEmpty else {
            return try DockerHost(socketPath: defaultSocketPath)
        }
        return try DockerHost(dockerHost: value)
    }

    /// `unix:///path`.
    public var description: String { "unix://" + socketPath }
}
