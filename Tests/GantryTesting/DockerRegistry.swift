import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's `docker-registry` (distribution 2.8) on a random loopback port, storing under a
/// directory of its own, with HTTP basic auth (an `htpasswd -B` file) when given users.
/// `stop()` ends it and removes the directory (config, storage, log).
public final class DockerRegistry: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let url: String
    /// The port it listens on.
    public let port: UInt16
    /// Its directory: config.yml, htpasswd, storage/, registry.log.
    public let directory: String
    private let process: RegistryProcess

    /// Bearer-token auth (`auth: token`): the registry sends clients to `realm` and trusts
    /// tokens signed by the key of the certificate(s) in `rootCertificatesPEM`.
    public struct TokenAuth: Sendable {
        public var realm: String
        public var service: String
        public var issuer: String
        public var rootCertificatesPEM: String

        public init(realm: String, service: String, issuer: String, rootCertificatesPEM: String) {
            self.realm = realm
            self.service = service
            self.issuer = issuer
            self.rootCertificatesPEM = rootCertificatesPEM
        }
    }

    /// Starts the registry and waits until it accepts connections; retries with a new port
    /// when the port was taken meanwhile.
    /// - Parameters:
    ///   - users: user name → password, written bcrypt-hashed by `htpasswd -B`; none for no auth.
    ///   - token: bearer-token auth instead (with no `users`).
    ///   - parent: where its directory is made; the system's temporary directory by default.
    /// - Throws: `Failure` with its log when it does not come up within 20 s.
    public static func start(users: [String: String] = [:], token: TokenAuth? = nil, parent: String? = nil) async throws -> DockerRegistry {
        precondition(users.isEmpty || token == nil, "one kind of auth at a time")
        let directory = (parent ?? FileManager.default.temporaryDirectory.path) + "/gantry-registry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/storage", withIntermediateDirectories: true)
        do {
            var auth = ""
            if !users.isEmpty {
                var lines = ""
                for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                    let result = try await Shell.run("/usr/bin/htpasswd", ["-Bbn", user, password], errors: .separate)
                    guard result.status == 0 else { throw Failure(message: "htpasswd failed: \(result.error)") }
                    lines += result.output.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
                }
                try lines.write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
                auth = "auth:\n  htpasswd:\n    realm: gantry-test\n    path: \(directory)/htpasswd\n"
            }
            if let token {
                try token.rootCertificatesPEM.write(toFile: directory + "/token-roots.pem", atomically: true, encoding: .utf8)
                auth = "auth:\n  token:\n    realm: \(token.realm)\n    service: \(token.service)\n    issuer: \(token.issuer)\n"
                    + "    rootcertbundle: \(directory)/token-roots.pem\n"
            }
            var lastFailure: Error = Failure(message: "docker-registry was not started")
            for _ in 0..<3 {
                do { return try await launch(in: directory, auth: auth) } catch { lastFailure = error }
            }
            throw lastFailure
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private init(directory: String, port: UInt16, process: RegistryProcess) {
        self.directory = directory
        self.port = port
        self.process = process
        url = "http://127.0.0.1:\(port)"
    }

    /// `127.0.0.1:PORT`, as image references name it.
    public var authority: String { "127.0.0.1:\(port)" }

    /// What the registry logged so far.
    public func log() -> String {
        (try? String(contentsOfFile: directory + "/registry.log", encoding: .utf8)) ?? ""
    }

    /// SIGTERM, SIGKILL 5 s later if it still runs; the directory stays (see `stop`).
    public func terminate() async {
        await process.stop()
    }

    /// Ends the registry and removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The registry did not come up.
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    private static func launch(in directory: String, auth: String) async throws -> DockerRegistry {
        let port = try Socket.freePort()
        let config = """
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        let log = directory + "/registry.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", directory + "/config.yml"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        let handle = RegistryProcess(process)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, handle.isRunning {
            if let fd = try? Socket.connectLoopback(port: Int(port)) {
                close(fd)
                return DockerRegistry(directory: directory, port: port, process: handle)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await handle.stop()
        throw Failure(message: "docker-registry did not start on port \(port) within 20 s:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}

/// The registry's process, stopped by `stop`.
private struct RegistryProcess: @unchecked Sendable {
    // Process is not Sendable; the handle is only read (isRunning) and signalled.
    let process: Process

    init(_ process: Process) { self.process = process }

    var isRunning: Bool { process.isRunning }

    func stop() async {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `body` with a started registry, stopping it (and removing its directory) afterwards
/// whether `body` throws or not.
/// - Throws: what `body` throws, or `DockerRegistry.Failure` when the registry does not start.
public func withDockerRegistry<T>(
    users: [String: String] = [:], token: DockerRegistry.TokenAuth? = nil, _ body: (DockerRegistry) async throws -> T
) async throws -> T {
    let registry = try await DockerRegistry.start(users: users, token: token)
    do {
        let result = try await body(registry)
        await registry.stop()
        return result
    } catch {
        await registry.stop()
        throw error
    }
}
