import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real pebble ACME test CA (Debian's `pebble`, 2.4) on random loopback ports, with
/// `pebble-challtestsrv` as its DNS server answering 127.0.0.1 for every name, so that it
/// validates HTTP-01 challenges of any domain at 127.0.0.1:`httpPort`.
///
/// Pebble runs with `PEBBLE_VA_NOSLEEP=1` (no random validation delays) and its defaults
/// otherwise: 5% of nonces rejected as `badNonce`, valid authorizations reused half the time.
/// Its root and intermediate are new on every start (`rootPEM()`). `stop()` ends both
/// processes and removes the directory of config, TLS certificate and logs.
public final class Pebble: Sendable {
    /// The ACME directory, `https://127.0.0.1:PORT/dir`.
    public let directoryURL: String
    /// The management interface, `https://127.0.0.1:PORT` (`/roots/0`, `/intermediates/0`).
    public let managementURL: String
    /// The CA of pebble's own TLS certificate (for 127.0.0.1, localhost and pebble), PEM.
    public let caBundlePath: String
    /// The port pebble validates HTTP-01 challenges on.
    public let httpPort: UInt16
    /// The fixture's directory: config.json, TLS certificate and key, pebble.log, dns.log.
    public let directory: String
    private let children: [ChildHandle]

    /// Starts challtestsrv and pebble and waits until both accept connections; retries with
    /// new ports when a port was taken meanwhile.
    /// - Parameters:
    ///   - httpPort: where the test's HTTP-01 responder listens on 127.0.0.1.
    ///   - domainBlocklist: names pebble refuses with `rejectedIdentifier`.
    ///   - certificateValidity: the lifetime of issued certificates (pebble's
    ///     `certificateValidityPeriod`); nil for pebble's default of 5 years.
    ///   - environment: more `PEBBLE_*` variables, `["PEBBLE_WFE_NONCEREJECT": "0"]`.
    ///   - parent: where the fixture's directory is made; the system's temporary directory by default.
    /// - Throws: `Failure` with the processes' logs when they do not come up within 20 s.
    public static func start(
        httpPort: UInt16, domainBlocklist: [String] = [], certificateValidity: Duration? = nil,
        environment: [String: String] = [:], parent: String? = nil
    ) async throws -> Pebble {
        let directory = (parent ?? FileManager.default.temporaryDirectory.path) + "/gantry-pebble-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let certificates = try TestCertificates()
            let (chain, key) = try certificates.leaf(["127.0.0.1", "localhost", "pebble"], notAfter: Date() + 86_400 * 7)
            try chain.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
            try key.write(toFile: directory + "/key.pem", atomically: true, encoding: .utf8)
            try certificates.caPEM.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
            var lastFailure: Error = Failure(message: "pebble was not started")
            for _ in 0..<3 {
                do {
                    return try await launch(
                        in: directory, httpPort: httpPort, domainBlocklist: domainBlocklist,
                        certificateValidity: certificateValidity, environment: environment)
                } catch {
                    lastFailure = error
                }
            }
            throw lastFailure
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private init(directory: String, httpPort: UInt16, port: UInt16, managementPort: UInt16, children: [ChildHandle]) {
        self.directory = directory
        self.httpPort = httpPort
        directoryURL = "https://127.0.0.1:\(port)/dir"
        managementURL = "https://127.0.0.1:\(managementPort)"
        caBundlePath = directory + "/ca.pem"
        self.children = children
    }

    /// The root that signs this run's certificates, from the management interface (`/roots/0`).
    /// - Throws: `Failure` when curl cannot fetch it.
    public func rootPEM() async throws -> String {
        let result = try await Shell.run("/usr/bin/curl", ["-sS", "--fail", "--cacert", caBundlePath, managementURL + "/roots/0"])
        guard result.status == 0, result.output.contains("BEGIN CERTIFICATE") else {
            throw Failure(message: "cannot fetch pebble's root: \(result.output)")
        }
        return result.output
    }

    /// What pebble logged so far (requests, validations, problems).
    public func log() -> String {
        (try? String(contentsOfFile: directory + "/pebble.log", encoding: .utf8)) ?? ""
    }

    /// SIGTERM to both processes, SIGKILL to any still running 5 s later; removes `directory`.
    public func stop() async {
        await ChildHandle.stop(children)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Pebble did not come up.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with pebble's and challtestsrv's logs when they ran.
        public let message: String
        public var description: String { message }
    }
}

extension Pebble {
    private static func launch(
        in directory: String, httpPort: UInt16, domainBlocklist: [String], certificateValidity: Duration?,
        environment: [String: String]
    ) async throws -> Pebble {
        let (port, managementPort, tlsPort) = (try Socket.freePort(), try Socket.freePort(), try Socket.freePort())
        let (dnsPort, dnsManagementPort) = (try Socket.freePort(), try Socket.freePort())
        var settings: [String: Any] = [
            "listenAddress": "127.0.0.1:\(port)", "managementListenAddress": "127.0.0.1:\(managementPort)",
            "certificate": directory + "/cert.pem", "privateKey": directory + "/key.pem",
            "httpPort": Int(httpPort), "tlsPort": Int(tlsPort), "ocspResponderURL": "",
            "externalAccountBindingRequired": false, "domainBlocklist": domainBlocklist,
        ]
        if let certificateValidity { settings["certificateValidityPeriod"] = Int(certificateValidity.components.seconds) }
        try JSONSerialization.data(withJSONObject: ["pebble": settings], options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/config.json"))

        // DNS only: every A query answered 127.0.0.1 and no AAAA (pebble tries AAAA first);
        // its own challenge servers are switched off, its management interface moved aside.
        let dns = try spawn(
            "/usr/bin/pebble-challtestsrv",
            ["-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "",
             "-management", "127.0.0.1:\(dnsManagementPort)", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
            log: directory + "/dns.log", environment: [:])
        let pebble: Process
        do {
            pebble = try spawn(
                "/usr/bin/pebble", ["-config", directory + "/config.json", "-dnsserver", "127.0.0.1:\(dnsPort)"],
                log: directory + "/pebble.log", environment: ["PEBBLE_VA_NOSLEEP": "1"].merging(environment) { $1 })
        } catch {
            await ChildHandle.stop([ChildHandle(dns)])
            throw error
        }
        let children = [ChildHandle(dns), ChildHandle(pebble)]
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, children.allSatisfy(\.isRunning) {
            if [port, managementPort, dnsPort].allSatisfy(accepts) {
                return Pebble(directory: directory, httpPort: httpPort, port: port, managementPort: managementPort, children: children)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await ChildHandle.stop(children)
        let logs = ["pebble.log", "dns.log"].map { (try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) ?? "" }
        throw Failure(message: "pebble did not start on port \(port) within 20 s:\n\(logs.joined(separator: "\n"))")
    }

    private static func spawn(_ tool: String, _ arguments: [String], log: String, environment: [String: String]) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        return process
    }

    private static func accepts(_ port: UInt16) -> Bool {
        guard let fd = try? Socket.connectLoopback(port: Int(port)) else { return false }
        close(fd)
        return true
    }
}

/// A started child process, stopped by `stop`.
private struct ChildHandle: @unchecked Sendable {
    // Process is not Sendable; a handle is only read (isRunning) and signalled.
    let process: Process

    init(_ process: Process) { self.process = process }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM, up to 5 s for them to exit, then SIGKILL.
    static func stop(_ children: [ChildHandle]) async {
        for child in children where child.isRunning { child.process.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, children.contains(where: \.isRunning) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for child in children where child.isRunning { kill(child.process.processIdentifier, SIGKILL) }
    }
}

/// Runs `body` with a started pebble, stopping it afterwards whether `body` throws or not.
/// - Throws: what `body` throws, or `Pebble.Failure` when pebble does not start.
public func withPebble<T>(
    httpPort: UInt16, domainBlocklist: [String] = [], certificateValidity: Duration? = nil,
    environment: [String: String] = [:], _ body: (Pebble) async throws -> T
) async throws -> T {
    let pebble = try await Pebble.start(
        httpPort: httpPort, domainBlocklist: domainBlocklist, certificateValidity: certificateValidity, environment: environment)
    do {
        let result = try await body(pebble)
        await pebble.stop()
        return result
    } catch {
        await pebble.stop()
        throw error
    }
}
