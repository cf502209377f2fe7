#if canImport(Glibc)
import Glibc
#endif

/// Before any service starts: each port gantryd will listen on must be free, so that a port in
/// use is one clear error naming its flag, not a bind error from whichever service came first
/// while the others were already accepting.
enum PortCheck {
    /// - Throws: `StartupError` naming the flag of the first port that is taken.
    static func ensureFree(_ ports: [(flag: String, host: String, port: Int)]) throws {
        for (flag, host, port) in ports where port != 0 {
            guard let problem = bindProblem(host: host, port: port) else { continue }
            throw StartupError("\(host):\(port) (\(flag)) cannot be used: \(problem); is another gantryd running? Pick another port with \(flag)")
        }
    }

    /// Why binding `host:port` fails, or `nil` when it works. Only IPv4 literal hosts and
    /// `localhost` are checked; anything else is left to the service.
    static func bindProblem(host: String, port: Int) -> String? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0 ? nil : String(cString: strerror(errno))
    }
}
