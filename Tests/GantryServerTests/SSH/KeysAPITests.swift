import Foundation
import GantryClient
import GantryCore
import Testing

@Suite struct KeysAPITests {
    @Test func addsListsAndRemovesKeysWithTheirFingerprints() async throws {
        try await TestServer.with { server in
            let added = try await server.client.addSSHKey(name: "alice", publicKey: KeyFixtures.ed25519 + "\n")
            #expect(added.name.rawValue == "alice")
            #expect(added.type == "ssh-ed25519")
            #expect(added.fingerprint == KeyFixtures.ed25519Fingerprint)
            _ = try await server.client.addSSHKey(name: "ci", publicKey: KeyFixtures.p256)
            #expect(try await server.client.sshKeys().map(\.name.rawValue) == ["alice", "ci"])
            try await server.client.removeSSHKey("alice")
            #expect(try await server.client.sshKeys().map(\.name.rawValue) == ["ci"])
        }
    }

    @Test func refusesUnusableKeysTakenNamesAndUnknownKeysWithMessages() async throws {
        try await TestServer.with { server in
            _ = try await server.client.addSSHKey(name: "alice", publicKey: KeyFixtures.ed25519)
            let cases: [(String, String, Int, String)] = [
                ("bob", KeyFixtures.rsa, 400, "ssh-rsa keys are not supported"),
                ("bob", "not a key", 400, "not an OpenSSH public key"),
                ("bad name", KeyFixtures.p256, 400, "invalid key name"),
                ("alice", KeyFixtures.p256, 409, "an SSH key named 'alice' exists already"),
                ("bob", KeyFixtures.ed25519, 409, "registered already as 'alice'"),
            ]
            for (name, key, status, message) in cases {
                await expectRejection(status: status, containing: message) { () async throws(ClientError) in _ = try await server.client.addSSHKey(name: name, publicKey: key) }
            }
            await expectRejection(status: 404, containing: "no SSH key named 'nobody'") { () async throws(ClientError) in try await server.client.removeSSHKey("nobody") }
            #expect(try await server.client.sshKeys().map(\.name.rawValue) == ["alice"])
            await #expect(throws: ClientError.self) { try await GantryAPIClient(server: server.url, token: nil).sshKeys() }
        }
    }

    private func expectRejection(status: Int, containing text: String, _ call: () async throws(ClientError) -> Void) async {
        do throws(ClientError) {
            try await call()
            Issue.record("accepted; expected \(status) \(text)")
        } catch {
            guard case .rejected(status, let message) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(message.contains(text), "\(message)")
        }
    }
}
