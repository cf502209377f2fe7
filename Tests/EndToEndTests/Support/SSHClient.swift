import Foundation

/// The real OpenSSH client with a key made by `ssh-keygen` in the daemon's scratch directory,
/// set up for one `GantryDaemon`: a `known_hosts` file of its own (accept-new, so the first
/// connection records gantryd's host key and later ones check it), no other identity.
struct SSHClient: Sendable {
    let privateKey: String
    let publicKeyPath: String
    let knownHosts: String
    let port: Int
    /// The daemon's git client, pushing and cloning over SSH with this key.
    let git: Git

    /// Makes an Ed25519 key pair `scratch/ssh-NAME/id` (no passphrase).
    /// - Throws: `FixtureFailure` when ssh-keygen is missing or fails.
    static func make(_ name: String, for gantry: GantryDaemon) async throws -> SSHClient {
        let directory = try gantry.scratch.directory("ssh-\(name)")
        let key = directory + "/id"
        let made = try await ChildProcess.run(
            try ChildProcess.find("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key], timeout: .seconds(30))
        guard made.succeeded else { throw FixtureFailure("ssh-keygen failed: \(made)") }
        let knownHosts = gantry.scratch.path + "/known_hosts"
        let options = Self.options(key: key, port: gantry.sshPort, knownHosts: knownHosts)
        return SSHClient(
            privateKey: key, publicKeyPath: key + ".pub", knownHosts: knownHosts, port: gantry.sshPort,
            git: gantry.git.with(["GIT_SSH_COMMAND": (["ssh"] + options).joined(separator: " ")]))
    }

    /// The public key file's text.
    var publicKey: String { ChildProcess.read(publicKeyPath) }

    /// `ssh://git@127.0.0.1:PORT/APP.git`.
    func remote(_ app: String) -> String { "ssh://git@127.0.0.1:\(port)/\(app).git" }

    /// Runs `ssh [EXTRA] git@127.0.0.1 [COMMAND]` with this key; a failure is a value.
    /// - Throws: `FixtureFailure` on timeout.
    func ssh(_ command: [String] = [], extra: [String] = []) async throws -> ProcessOutput {
        try await ChildProcess.run(
            try ChildProcess.find("ssh"), Self.options(key: privateKey, port: port, knownHosts: knownHosts) + extra + ["git@127.0.0.1"] + command,
            environment: git.environment, timeout: .seconds(60))
    }

    private static func options(key: String, port: Int, knownHosts: String) -> [String] {
        [
            "-i", key, "-p", String(port), "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "StrictHostKeyChecking=accept-new",
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        ]
    }
}
