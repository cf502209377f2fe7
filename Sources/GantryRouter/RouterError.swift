/// Why the router could not start.
public enum RouterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The listening socket could not be opened (address in use, permission, bad address).
    case bindFailed(host: String, port: Int, reason: String)
    /// ``Router/start()`` was called on a router that is running or was shut down.
    case notStartable(state: String)

    public var description: String {
        switch self {
        case .bindFailed(let host, let port, let reason):
            return "the router cannot listen on \(host):\(port): \(reason); choose another --router-port or stop what uses it"
        case .notStartable(let state):
            return "the router cannot start: it is \(state)"
        }
    }
}
