import Foundation
import GantryClient
import GantryCore
import GantryGit
import GantryTesting
@testable import GantryServer
@testable import GantryStore
import Logging
import ServiceLifecycle

/// gantryd's HTTP door and SSH server on free ports, on one store and data directory, with
/// the catalog of every HTTP route the door added: for the tests of who may do what.
struct TeamServer {
    let url: String
    let sshPort: Int
    let adminToken: String
    let store: Store
    let dataDirectory: DataDirectory
    let catalog: RouteCatalog
    let scratch: String

    func client(_ token: String?) -> GantryAPIClient { GantryAPIClient(server: url, token: token) }

    static func with(
        loginFailuresPerMinute: Int = 1_000_000, appsDomain: String = "localhost",
        domainsChanged: @escaping @Sendable (AppName, [DomainName]) async -> Void = { _, _ in },
        certificatesChanged: @escaping @Sendable (AppName) async -> Void = { _ in }, _ body: (TeamServer) async throws -> Void
    ) async throws {
        Libgit2.initialize()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-team-tests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataDirectory = DataDirectory(root: root + "/data")
        try dataDirectory.prepare()
        try FileManager.default.createDirectory(atPath: root + "/scratch", withIntermediateDirectories: true)
        let store = try await blocking { [path = dataDirectory.database] in try Store(path: path) }
        defer { try? store.close() }
        _ = try await dataDirectory.createAdminTokenIfNeeded(in: store)
        let token = try String(contentsOfFile: dataDirectory.adminToken, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let configuration = ServerConfiguration(
            dataDirectory: dataDirectory, host: "127.0.0.1", port: 0, maxPushBytes: 1 << 24, loginFailuresPerMinute: loginFailuresPerMinute,
            appsDomain: appsDomain)
        let lifecycle = AppLifecycle(pushHooks: RecordingHooks(store: store).hooks(for:trigger:), domainsChanged: domainsChanged, certificatesChanged: certificatesChanged)
        let catalog = RouteCatalog()
        let (httpPorts, httpContinuation) = AsyncStream.makeStream(of: Int.self)
        let (sshPorts, sshContinuation) = AsyncStream.makeStream(of: Int.self)
        let http = buildApplication(
            configuration: configuration, store: store, lifecycle: lifecycle, logger: logger, catalog: catalog,
            onServerRunning: { httpContinuation.yield($0) })
        let ssh = SSHServer(
            configuration: configuration, host: "127.0.0.1", port: 0, store: store, lifecycle: lifecycle, logger: logger
        ) { port, _ in sshContinuation.yield(port) }
        let services = ServiceGroup(configuration: .init(services: [http, ssh], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            defer { Task { await services.triggerGracefulShutdown() } }
            var httpIterator = httpPorts.makeAsyncIterator()
            var sshIterator = sshPorts.makeAsyncIterator()
            guard let httpPort = await httpIterator.next(), let sshPort = await sshIterator.next() else { return }
            try await body(TeamServer(
                url: "http://127.0.0.1:\(httpPort)", sshPort: sshPort, adminToken: token, store: store, dataDirectory: dataDirectory,
                catalog: catalog, scratch: root + "/scratch"))
        }
    }

    /// Creates a member (or admin) and returns their first token.
    func user(_ name: String, role: UserRole = .member) async throws -> String {
        try await store.createUser(UserName(name), role: role).token
    }

    /// Creates `app`, owned by `owner`, with its bare repository.
    func app(_ name: String, owner: String) async throws {
        let app = try AppName(name)
        _ = try await store.createApp(app, owner: UserName(owner))
        try Repository.createBare(at: dataDirectory.repository(for: app))
    }

    /// A new ed25519 key pair in the scratch directory, registered as `name` of `user`.
    /// - Returns: the private key's path.
    @discardableResult
    func key(_ name: String, of user: String, registered: Bool = true) async throws -> String {
        let path = scratch + "/key-\(name)"
        let keygen = try await Shell.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path])
        guard keygen.status == 0 else { throw ShellError(output: keygen.output) }
        if registered {
            let publicKey = try AuthorizedKey(publicKeyFile: String(contentsOfFile: path + ".pub", encoding: .utf8))
            _ = try await store.addSSHKey(
                name: KeyName(name), type: publicKey.type, base64: publicKey.base64, fingerprint: publicKey.fingerprint, user: UserName(user))
        }
        return path
    }

    /// `git` with a fresh HOME, SSH through `key` when given.
    func git(_ arguments: [String], in directory: String? = nil, key: String? = nil) async throws -> Shell.Result {
        var environment = [
            "HOME": scratch, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        ]
        if let key {
            environment["GIT_SSH_COMMAND"] =
                "ssh -i \(key) -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        }
        return try await Shell.run("/usr/bin/git", arguments, environment: environment, directory: directory)
    }

    /// `ssh://` URL of `app`'s repository.
    func sshURL(_ app: String) -> String { "ssh://git@127.0.0.1:\(sshPort)/\(app).git" }

    /// The URL of `app`'s repository with `token` as the password.
    func httpURL(_ app: String, token: String) -> String {
        url.replacingOccurrences(of: "http://", with: "http://git:\(token)@") + "/\(app).git"
    }

    /// A commit of one file in a new repository under the scratch directory.
    func commit(in name: String, file: String = "README", text: String = "hello\n") async throws -> String {
        let directory = scratch + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try await git(["init", "-q", "-b", "main"], in: directory)
        try text.write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        _ = try await git(["add", "."], in: directory)
        let committed = try await git(["commit", "-q", "-m", "change"], in: directory)
        guard committed.status == 0 else { throw ShellError(output: committed.output) }
        return directory
    }

    /// Everything the server keeps but the audit log and the tokens' time of last use: each
    /// table's rows in order, and every file of the repositories with its bytes.
    func snapshot() async throws -> [String] {
        var lines: [String] = []
        let tables = try await store.strings(
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'audit_events' ORDER BY name")
        for case let table? in tables {
            let columns = try await store.strings(sql: "SELECT name FROM pragma_table_info('\(table)') WHERE name <> 'last_used_at'")
            let row = columns.compactMap { $0 }.map { "quote(\"\($0)\")" }.joined(separator: " || ',' || ")
            for value in try await store.strings(sql: "SELECT \(row) FROM \"\(table)\" ORDER BY rowid") {
                lines.append("\(table): \(value ?? "NULL")")
            }
        }
        let repositories = dataDirectory.repositories
        let enumerator = FileManager.default.enumerator(atPath: repositories)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: repositories + "/" + path, isDirectory: &isDirectory)
            let bytes = isDirectory.boolValue ? Data() : (FileManager.default.contents(atPath: repositories + "/" + path) ?? Data())
            lines.append("file \(path) \(bytes.count) \(bytes.hashValue)")
        }
        return lines.sorted()
    }
}

struct ShellError: Error, CustomStringConvertible {
    let output: String
    var description: String { output }
}

extension TeamServer {
    /// One API request with `token` as the bearer token.
    func call(_ method: HTTPMethod, _ path: String, token: String?, body: String = "") async throws -> GantryClient.HTTPResponse {
        var headers: [HTTPHeaders.Field] = []
        if let token { headers.append(.init(name: "Authorization", value: "Bearer \(token)")) }
        if !body.isEmpty { headers.append(.init(name: "Content-Type", value: "application/json")) }
        return try await HTTPClient().perform(GantryClient.HTTPRequest(
            method: method, url: url + "/api/v1" + path, headers: HTTPHeaders(headers), body: Array(body.utf8)))
    }

    /// The body of a 2xx answer, decoded.
    func decode<T: Decodable>(_ type: T.Type, _ response: GantryClient.HTTPResponse) throws -> T {
        guard (200..<300).contains(response.status) else { throw ShellError(output: "\(response.status) \(response.text)") }
        return try API.decoder().decode(T.self, from: Data(response.body))
    }
}
