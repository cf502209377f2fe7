/// Why the router could not start, or refused a TLS client.
public enum RouterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The listening socket could not be opened (address in use, permission, bad address).
    case bindFailed(host: String, port: Int, reason: String)
    /// ``Router/start()`` was called on a router that is running or was shut down.
    case notStartable(state: String)
    /// A TLS client asked for a name no certificate covers (the handshake is refused).
    case noCertificate(String)
    /// The HTTPS port could not be set up.
    case tls(String)

    public var description: String {
        switch self {
        case .bindFailed(let host, let port, let reason):
            return "the router cannot listen on \(host):\(port): \(reason); choose another --router-port or stop what uses it"
        case .notStartable(let state):
            return "the router cannot start: it is \(state)"
        case .noCertificate(let name):
            return "no certificate covers \(name.prefix(253))"
        case .tls(let reason):
            return "the router cannot serve HTTPS: \(reason)"
        }
    }
}
