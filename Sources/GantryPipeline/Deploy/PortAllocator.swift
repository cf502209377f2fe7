import Glibc

/// Free TCP ports on 127.0.0.1 for web processes: the kernel picks one (bind to port 0), and
/// ports handed out and not yet released are never handed out twice.
actor PortAllocator {
    private var reserved = Set<Int>()

    /// A port nobody listens on now and no other process of gantryd holds.
    func allocate() -> Int? {
        for _ in 0..<64 {
            guard let port = Self.kernelPickedPort(), !reserved.contains(port) else { continue }
            reserved.insert(port)
            return port
        }
        return nil
    }

    /// Marks `port` as held (a process adopted at start).
    func reserve(_ port: Int) { reserved.insert(port) }

    func release(_ port: Int) { reserved.remove(port) }

    private static func kernelPickedPort() -> Int? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
