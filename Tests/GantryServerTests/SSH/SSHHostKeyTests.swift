import Foundation
import GantryServer
import GantryTesting
import Testing

@Suite struct SSHHostKeyTests {
    @Test(.scratchDirectory)
    func hostKeyIsMadeOnceWithMode0600AndReadBackTheSame() throws {
        let path = ScratchDirectory.path + "/ssh-host-key"
        let (first, created) = try SSHHostKey.loadOrCreate(at: path)
        #expect(created)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let (second, createdAgain) = try SSHHostKey.loadOrCreate(at: path)
        #expect(!createdAgain)
        #expect(second.fingerprint == first.fingerprint)
        #expect(second.openSSHPublicKey == first.openSSHPublicKey)
        #expect(first.fingerprint.hasPrefix("SHA256:") && first.fingerprint.count == 50)
        #expect(first.openSSHPublicKey.hasPrefix("ssh-ed25519 "))
    }

    @Test(.scratchDirectory)
    func refusesAHostKeyOtherUsersCanRead() throws {
        let path = ScratchDirectory.path + "/ssh-host-key"
        _ = try SSHHostKey.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            try SSHHostKey.loadOrCreate(at: path)
        } throws: { error in
            "\(error)".contains("chmod 600 \(path)")
        }
    }

    @Test(.scratchDirectory)
    func refusesAFileThatIsNotAHostKeyInsteadOfReplacingIt() throws {
        let path = ScratchDirectory.path + "/ssh-host-key"
        FileManager.default.createFile(atPath: path, contents: Data("garbage\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: SSHServerError.self) { try SSHHostKey.loadOrCreate(at: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "garbage\n")
    }
}
