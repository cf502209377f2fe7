import GantryCore

/// One process of an app's formation, e.g. `web.1` of release v4, as the supervisor tracks it.
public struct AppProcess: Hashable, Sendable, Codable {
    public var app: AppName
    public var release: Int
    public var type: String
    public var index: Int
    /// The container's own address: the router and the health checks reach the process at
    /// `host:port`.
    public var host: String
    /// The port the process was given as `PORT`.
    public var port: Int
    public var startedAt: Date
    public var restarts: Int
    public var state: State

    public enum State: String, Hashable, Sendable, Codable {
        case starting, up, crashed, restarting
    }

    public init(app: AppName, release: Int, type: String, index: Int, endpoint: Endpoint, startedAt: Date, restarts: Int, state: State) {
        self.app = app
        self.release = release
        self.type = type
        self.index = index
        self.host = endpoint.host
        self.port = endpoint.port
        self.startedAt = startedAt
        self.restarts = restarts
        self.state = state
    }

    /// Where the process answers.
    public var endpoint: Endpoint {
        get { Endpoint(host: host, port: port) }
        set { (host, port) = (newValue.host, newValue.port) }
    }

    /// `web.1`, as Heroku names it.
    public var name: String { "\(type).\(index)" }

    /// The container's id: `APP.vN.TYPE.INDEX` (dots cannot appear in app names or process
    /// types, so the id parses back).
    public var containerID: String { Self.containerID(app: app, release: release, type: type, index: index) }

    public static func containerID(app: AppName, release: Int, type: String, index: Int) -> String {
        "\(app.rawValue).v\(release).\(type).\(index)"
    }

    /// Whether `name` is a process name as `name` makes them: `TYPE.INDEX` (`web.1`).
    public static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && Formation.isValidType(String(parts[0])) && Int(parts[1]).map { $0 >= 1 } == true
    }

    /// The parts of a container id made by `containerID`, or `nil` for any other id.
    public static func parse(containerID: String) -> (app: AppName, release: Int, type: String, index: Int)? {
        let parts = containerID.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[1].hasPrefix("v"), let release = Int(parts[1].dropFirst()), let index = Int(parts[3]),
            let app = try? AppName(String(parts[0]))
        else { return nil }
        return (app, release, String(parts[2]), index)
    }
}

import struct Foundation.Date
