import GantryCore
@testable import GantryStore
import Testing

@Suite("SSH keys")
struct SSHKeyTests {
    static let blob = "AAAAC3NzaC1lZDI1NTE5AAAAIPihA5Z10wRwDfWgoTHCdFXV83cu94KHnsdaHcUd2tgH"
    static let fingerprint = "SHA256:LAvDREZd3d9SjN0MN4b6kjtxLn/fG6PrnP12EA+6tkY"
    static let otherFingerprint = "SHA256:VWAggfC7sgjTD32YZIWeGhPiafxjsJjMBnVOvI+NWuw"

    static func name(_ text: String) -> KeyName { try! KeyName(text) }

    @Test
    func addedKeyIsListedAndFoundByFingerprint() async throws {
        let store = try await blocking { try Store.temporary() }
        let owner = try await store.createUser(UserName("owner"), role: .member).0.name
        let added = try await store.addSSHKey(name: Self.name("alice"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.fingerprint, user: owner)
        #expect(added.name == Self.name("alice"))
        #expect(added.type == "ssh-ed25519")
        #expect(added.fingerprint == Self.fingerprint)
        #expect(added.user == owner)
        #expect(try await store.sshKeys() == [added])
        #expect(try await store.sshKey(fingerprint: Self.fingerprint) == added)
        #expect(try await store.sshKey(fingerprint: Self.otherFingerprint) == nil)
    }

    @Test
    func refusesATakenNameAndTheSameKeyUnderAnotherName() async throws {
        let store = try await blocking { try Store.temporary() }
        let owner = try await store.createUser(UserName("owner"), role: .member).0.name
        _ = try await store.addSSHKey(name: Self.name("alice"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.fingerprint, user: owner)
        await #expect(throws: StoreError.sshKeyExists(Self.name("alice"))) {
            try await store.addSSHKey(name: Self.name("alice"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.otherFingerprint, user: owner)
        }
        await #expect(throws: StoreError.sshKeyDuplicate(fingerprint: Self.fingerprint, existing: Self.name("alice"))) {
            try await store.addSSHKey(name: Self.name("bob"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.fingerprint, user: owner)
        }
        #expect(try await store.rowCount("ssh_keys") == 1)
    }

    @Test
    func removedKeyNoLongerAuthenticates() async throws {
        let store = try await blocking { try Store.temporary() }
        let owner = try await store.createUser(UserName("owner"), role: .member).0.name
        _ = try await store.addSSHKey(name: Self.name("alice"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.fingerprint, user: owner)
        try await store.deleteSSHKey(Self.name("alice"))
        #expect(try await store.sshKey(fingerprint: Self.fingerprint) == nil)
        #expect(try await store.sshKeys().isEmpty)
        await #expect(throws: StoreError.sshKeyNotFound(Self.name("alice"))) { try await store.deleteSSHKey(Self.name("alice")) }
    }

    @Test
    func keysAreListedByName() async throws {
        let store = try await blocking { try Store.temporary() }
        let owner = try await store.createUser(UserName("owner"), role: .member).0.name
        _ = try await store.addSSHKey(name: Self.name("zoe"), type: "ssh-ed25519", base64: Self.blob, fingerprint: Self.fingerprint, user: owner)
        _ = try await store.addSSHKey(name: Self.name("adam"), type: "ecdsa-sha2-nistp256", base64: Self.blob, fingerprint: Self.otherFingerprint, user: owner)
        #expect(try await store.sshKeys().map(\.name.rawValue) == ["adam", "zoe"])
    }

    @Test(arguments: [
        // name, type, base64, fingerprint: each row breaks one constraint
        "('', 'ssh-ed25519', '\(blob)', '\(fingerprint)', '2025-01-01')",
        "('-a', 'ssh-ed25519', '\(blob)', '\(fingerprint)', '2025-01-01')",
        "('a b', 'ssh-ed25519', '\(blob)', '\(fingerprint)', '2025-01-01')",
        "('alice', 'ssh-rsa', '\(blob)', '\(fingerprint)', '2025-01-01')",
        "('alice', 'ssh-ed25519', 'not base64!', '\(fingerprint)', '2025-01-01')",
        "('alice', 'ssh-ed25519', 'AAA', '\(fingerprint)', '2025-01-01')",
        "('alice', 'ssh-ed25519', '\(blob)', 'MD5:ab:cd', '2025-01-01')",
        "('alice', 'ssh-ed25519', '\(blob)', 'SHA256:LAvDREZd3d9SjN0MN4b6kjtxLn/fG6PrnP12EA+6tk=', '2025-01-01')",
        "('alice', 'ssh-ed25519', '\(blob)', '\(fingerprint)', NULL)",
    ])
    func constraintsRefuseRowsNoParserWouldMake(_ values: String) async throws {
        let store = try await blocking { try Store.temporary() }
        let owner = try await store.createUser(UserName("owner"), role: .member).0.name
        await #expect(throws: StoreError.self) {
            try await store.execute(sql: "INSERT INTO ssh_keys (name, key_type, key_base64, fingerprint, created_at) VALUES \(values)")
        }
        #expect(try await store.rowCount("ssh_keys") == 0)
    }
}
