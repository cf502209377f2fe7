import Foundation
import GantryClient
import GantryCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11's hostile app: a Procfile app (`web:` a single-threaded stdlib HTTP server, `hog:`
/// a process that allocates twice `GANTRY_MEMORY_MB`) whose `build.sh` — run by the
/// `HostileBuildpacks` in the build container — attacks the box too when the config var
/// `HOSTILE_BUILD_TARGETS` is set. The program is `HostileApp.program`.
enum HostileApp {
    /// The work tree's files.
    static let files: [String: String] = [
        "Procfile": "web: python3 hostile.py web\nhog: python3 hostile.py hog\n",
        "hostile.py": program,
        "build.sh": #"""
            set -e
            if [ -f "$3/HOSTILE_BUILD_TARGETS" ]; then
              python3 "$1/hostile.py" build "$3/HOSTILE_BUILD_TARGETS" "$1/build-attacks.json"
            fi

            """#,
    ]

    /// What the app is told to attack; encoded as JSON for `POST /attacks` and for the config
    /// var `HOSTILE_BUILD_TARGETS`.
    struct Targets: Codable, Sendable {
        /// Every address of the host, IPv4 and IPv6 (link-local ones are tried on each of the
        /// container's own interfaces).
        var addresses: [String]
        /// The ports to try on each address, by what listens there.
        var ports: [String: Int]
        /// Another app's web process, where `gantry ps` says it listens.
        var neighbour: Endpoint
        /// Strings found only in the command lines of the host's processes (gantryd's).
        var markers: [String]
        /// The command line of the host's pid 1, to tell its `/proc/1` from the box's own.
        var hostInit: String
    }

    struct Endpoint: Codable, Sendable, Hashable {
        var host: String
        var port: Int
    }

    /// One attack and how it went: `ok` means it worked.
    struct Attempt: Codable, Sendable, CustomStringConvertible {
        var name: String
        var status: String
        var detail: String
        var description: String { "\(status.uppercased()) \(name): \(detail)" }
    }

    /// The answer of `GET /attacks` and `GET /build-attacks`.
    struct Report: Codable, Sendable {
        var started: Bool
        var done: Bool
        var results: [Attempt]
    }

    /// The answer of `GET /sniff` once the capture stopped.
    struct SniffReport: Codable, Sendable {
        struct Socket: Codable, Sendable, CustomStringConvertible {
            var table: String
            var local: String
            var localPort: Int
            var remote: String
            var remotePort: Int
            var state: String
            var description: String { "\(table) \(local):\(localPort) -> \(remote):\(remotePort) \(state)" }
        }
        var done: Bool
        var opened: [Attempt]
        var packets: Int
        var bytes: Int
        var overflowed: Bool
        var matches: [String: Int]
        /// The app's own `PORT`.
        var port: Int
        var sockets: [Socket]
    }

    /// Names every run must report, so that an attack that silently did not run fails the test.
    static let expectedAttacks = [
        "raw socket AF_INET SOCK_RAW", "raw socket AF_INET6 SOCK_RAW", "packet socket AF_PACKET",
        "read /proc/1/environ of the host", "see the host's processes in /proc", "write /sys/class/net/lo/mtu",
        "mount(2) a tmpfs", "mount -t tmpfs", "mount -t cgroup2", "remount /sys read-write", "ptrace a sibling (PTRACE_ATTACH)",
        "unshare(CLONE_NEWUSER)", "unshare --user --map-root-user", "fork bomb",
    ]

    /// The names of the connections a run with `targets` must report.
    static func expectedConnections(_ targets: Targets) -> [String] {
        targets.addresses.flatMap { address in
            targets.ports.keys.sorted().map { "connect \($0) at \(bracketed(address)):\(targets.ports[$0]!)" }
        } + ["connect the other app's web process at \(bracketed(targets.neighbour.host)):\(targets.neighbour.port)"]
    }

    static func bracketed(_ address: String) -> String { address.contains(":") ? "[\(address)]" : address }
}

/// Every address of this host's interfaces (`getifaddrs`): IPv4 and IPv6, loopback, the
/// uplink, the `gantry0` bridge's gateway when there is one, link-local ones without their
/// `%scope`.
enum HostAddresses {
    static func all() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return ["127.0.0.1"] }
        defer { freeifaddrs(list) }
        var found: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            var host = [CChar](repeating: 0, count: 1025)
            guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let unscoped = String(text.prefix { $0 != "%" })
            if !found.contains(unscoped) { found.append(unscoped) }
        }
        if !found.contains("127.0.0.1") { found.insert("127.0.0.1", at: 0) }
        return found
    }
}

/// Two TCP listeners of the test itself on one kernel-picked port, on 0.0.0.0 and on [::] (IPv6
/// only): "anything else listening on the host". A connection that reached one waits in its
/// backlog, so `accepted()` finds it after the fact.
final class TrapListeners: Sendable {
    let port: Int
    private let descriptors: [Int32]

    /// - Throws: `FixtureFailure` when no port is free on both.
    init() throws {
        for _ in 0..<20 {
            let (v4, port) = try Self.listen(ipv6: false, port: 0)
            guard let v6 = try? Self.listen(ipv6: true, port: port).0 else {  // taken on IPv6 meanwhile
                close(v4)
                continue
            }
            self.port = port
            descriptors = [v4, v6]
            // A trap that catches nothing would prove nothing: the test's own connection gets in.
            guard LocalPort.accepts(port), accepted() == ["127.0.0.1"] else { throw FixtureFailure("the trap on port \(port) accepts nothing") }
            return
        }
        throw FixtureFailure("no port free on both 0.0.0.0 and [::]")
    }

    deinit { for fd in descriptors { close(fd) } }

    /// The peers of every connection that reached either listener since it opened.
    func accepted() -> [String] {
        var peers: [String] = []
        for fd in descriptors {
            while true {
                var peer = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let connection = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
                }
                guard connection >= 0 else { break }
                var host = [CChar](repeating: 0, count: 1025)
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
                    }
                }
                peers.append(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                close(connection)
            }
        }
        return peers
    }

    private static func listen(ipv6: Bool, port: Int) throws -> (Int32, Int) {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureFailure("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        var storage = sockaddr_storage()
        var length: socklen_t
        if ipv6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_port = UInt16(port).bigEndian
                    $0.pointee.sin6_addr = in6addr_any
                }
            }
        } else {
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    $0.pointee.sin_port = UInt16(port).bigEndian
                    $0.pointee.sin_addr.s_addr = INADDR_ANY
                }
            }
        }
        let result = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard result == 0, Glibc.listen(fd, 512) == 0 else {
            close(fd)
            throw FixtureFailure("cannot listen on \(ipv6 ? "[::]" : "0.0.0.0"): errno \(errno)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw FixtureFailure("getsockname failed: errno \(errno)")
        }
        let bound = withUnsafePointer(to: &storage) {
            ipv6 ? $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                : $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        return (fd, Int(UInt16(bigEndian: bound)))
    }
}

/// `GET /` of an app through the router every 100 ms, from `init` until `stop()`: the app must
/// keep serving throughout.
final class ServingWatch: Sendable {
    private final class Flag: Sendable { let running = Mutex(true) }
    private let flag = Flag()
    private let task: Task<(ok: Int, failures: [String]), Never>

    init(_ gantry: GantryDaemon, app: String) {
        task = Task { [flag] in
            var ok = 0
            var failures: [String] = []
            while flag.running.withLock({ $0 }) {
                let started = ContinuousClock.now
                do {
                    let response = try await gantry.get(app)
                    if response.status == 200 { ok += 1 } else { failures.append("HTTP \(response.status) after \(ContinuousClock.now - started)") }
                } catch {
                    failures.append("\(error)")
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return (ok, failures)
        }
    }

    /// Stops polling (after the request in flight) and returns the answers.
    func stop() async -> (ok: Int, failures: [String]) {
        flag.running.withLock { $0 = false }
        return await task.value
    }
}

extension GantryDaemon {
    /// Where `app`'s web.1 listens, read leniently from the JSON of `GET …/ps` (what `gantry ps
    /// --json` prints): `host` when the API has it, else 127.0.0.1 (processes in the host's
    /// network namespace), and `port`.
    /// - Throws: `FixtureFailure` when there is no web process.
    func webEndpoint(of app: String) async throws -> HostileApp.Endpoint {
        let response = try await HTTPClient().perform(HTTPRequest(
            url: server + API.prefix + "/apps/\(app)/ps", headers: ["Authorization": "Bearer \(token)", "Accept": "application/json"]))
        let processes = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        guard let web = processes.first(where: { $0["type"] as? String == "web" }), let port = web["port"] as? Int else {
            throw FixtureFailure("no web process of \(app) in \(response.bodyText)")
        }
        return HostileApp.Endpoint(host: web["host"] as? String ?? "127.0.0.1", port: port)
    }

    /// `POST PATH` of `app` through the router, with a JSON body.
    func post(_ app: String, path: String, json: some Encodable) async throws -> GantryClient.HTTPResponse {
        try await HTTPClient().perform(HTTPRequest(
            method: .post, url: "http://127.0.0.1:\(routerPort)\(path)",
            headers: ["Host": "\(app).localhost:\(routerPort)", "Content-Type": "application/json"],
            body: Array(try JSONEncoder().encode(json)), timeout: .seconds(10)))
    }

    /// Polls `GET PATH` of `app` until its JSON says `done` (up to `timeout`).
    /// - Throws: `FixtureFailure` when it never does.
    func waitForDone<Value: Decodable>(_ app: String, path: String, as: Value.Type, timeout: Duration = .seconds(180)) async throws -> Value {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            if let response = try? await get(app, path: path) {
                last = "HTTP \(response.status): \(response.text.prefix(2000))"
                if response.status == 200, (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["done"] as? Bool == true {
                    return try JSONDecoder().decode(Value.self, from: Data(response.body))
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw FixtureFailure("\(app)\(path) was not done within \(timeout); last answer: \(last)")
    }

    /// What the hostile app is told to attack: every address of the host (enumerated now),
    /// gantryd's HTTP, SSH and router ports and the two trap listeners on each, `neighbour`'s
    /// web process, and what marks the host's processes.
    func hostileTargets(traps: TrapListeners, neighbour: String) async throws -> HostileApp.Targets {
        HostileApp.Targets(
            addresses: HostAddresses.all(),
            ports: [
                "gantryd HTTP API": port, "gantryd SSH": sshPort, "the router": routerPort,
                "a test listener on 0.0.0.0 and [::]": traps.port,
            ],
            neighbour: try await webEndpoint(of: neighbour),
            markers: ["gantryd", data.root, "gantryPackageTests"],
            hostInit: ChildProcess.read("/proc/1/cmdline").replacingOccurrences(of: "\0", with: " ").trimmingCharacters(in: .whitespaces))
    }

    /// Deploys an ordinary app, `bystander`: the neighbour the hostile app tries to reach.
    func deployBystander(_ name: String = "bystander") async throws -> GitRepo {
        try await createApp(name)
        let repo = try await makeRepo(name)
        try await repo.commit("an ordinary app", files: ["index.html": "<h1>bystander</h1>\n"])
        let push = try await repo.push(remote(name), ["main"])
        guard push.succeeded else { throw FixtureFailure("the bystander did not deploy: \(push.stderr)") }
        return repo
    }
}
