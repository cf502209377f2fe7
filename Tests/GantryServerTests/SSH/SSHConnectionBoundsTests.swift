import Foundation
import GantryCore
import GantryServer
import GantryTesting
import Testing

/// Hostile SSH clients: thousands of connections that never authenticate, and an
/// authenticated connection nobody uses.
@Suite(.serialized) struct SSHConnectionBoundsTests {
    @Test func fiveThousandUnauthenticatedConnectionsAreCappedThenClosed() async throws {
        try await SSHTestServer.with(maxConnections: 256, loginGraceTime: .seconds(2)) { port, _, _ in
            let flood = try await Socket.flood(port: port, count: 5_000, within: .seconds(10)) {
                // Slots came back: a new connection is served (gets the server's banner).
                let banner = try await SSHLoginGraceTests.readUntilClosed(port: port, limit: 20)
                #expect(banner.hasPrefix("SSH-2.0-"))
            }
            #expect(flood.closedAtOnce >= 5_000 - 256, "\(flood.closedAtOnce) of 5000 closed within 1 s")
            #expect(flood.stillOpen == 0, "\(flood.stillOpen) connections still open after the 2 s login grace time")
            #expect(flood.residentGrowth < 64 << 20, "resident memory grew by \(flood.residentGrowth >> 20) MiB")
        }
    }

    @Test func anAuthenticatedConnectionWithoutTrafficIsClosedAfterTheIdleTimeout() async throws {
        try await SSHTestServer.with(sshIdleTimeout: .seconds(2)) { port, store, root in
            let key = root + "/id_ed25519"
            try await Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
            let publicKey = try AuthorizedKey(publicKeyFile: String(contentsOfFile: key + ".pub", encoding: .utf8))
            _ = try await store.createUser(UserName("alice"), role: .member)
            _ = try await store.addSSHKey(name: KeyName("alice"), type: publicKey.type, base64: publicKey.base64, fingerprint: publicKey.fingerprint, user: UserName("alice"))

            let started = ContinuousClock.now
            // -N: authenticate, open no session, send nothing; only the server can end it.
            let output = try await Self.run("/usr/bin/ssh", [
                "-v", "-N", "-i", key, "-p", String(port), "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=0", "git@127.0.0.1",
            ], timeout: 20)
            #expect(output.contains("Authenticated to"), "\(output.suffix(600))")
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    /// Runs `tool`, waits up to `timeout` seconds (then kills it), and returns its stderr.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], timeout: Int = 60) async throws -> String {
        try await Shell.run(tool, arguments, errors: .separate, timeout: .seconds(timeout)).error
    }
}
