import GantryServer
import Testing

/// Public keys made by `ssh-keygen -t …` and their fingerprints as `ssh-keygen -l` printed them.
enum KeyFixtures {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPihA5Z10wRwDfWgoTHCdFXV83cu94KHnsdaHcUd2tgH test-ed25519"
    static let ed25519Fingerprint = "SHA256:LAvDREZd3d9SjN0MN4b6kjtxLn/fG6PrnP12EA+6tkY"
    static let p256 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBvVdBq4Flw5sfxuUgonYkpXBmQ9z/cmNjVaHQwVM6n8LPQjvEzo/0GC17EaEbT35vfbo05dwiRrexdR2AYjRKg= test-ecdsab256"
    static let p384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLB+Ze263KwrS1w37gP8zANUODb85fzRKB9rw34AnA6cVaVbaqwVheUYuEubOz7x/hfH1H+xj7Qt5nq3cx6BMZBe/9Z01kQy/PaQRfoAbh3BJBk+2BEcD8jFNz6GE+NGpw== test-ecdsab384"
    static let p521 = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAG3bt7kILrFN8UxWlJYeFgFkHBEMLlJTNOTLYv2wfzt1/EzJhf8wypJoQrfV/KjwC54jCPtSPli4rUIlE0T6o6jGQFXgI5qFsXtFpYj/Z6aA616G4IUxewYwsBZNcuP94wRkkYCKbZig7M8bp9U/TE2Y4Sv2+jwDenC4Ic4ioJ/AVkpxg== test-ecdsab521"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCSDj69UfNWq3UuB6vqzKRVKxu/CyZJoWx+5U+0jS5s1x1cqJw5KkMzEpJgnZZaHkD+/w7jZAyn8EzjvK6pAQ53/9Z0jFrzZHrloXf9N6kUzYHVL+YSmMz+7jPNgqkq+ykxQBWQ282sXR4HtiUzVCCm5LDqo1zhvoFjva1X1SjOPg1Nixef5Z0a2j8oVft/xQN6jC1rq7PKRvbljGcfzh3Ra3lc5Fcub4RB/D7uawNz8vleq0/4Dv0A06LcwzWHsAADbHESTs6Kh1QJYAu26XeHxptXwdtxsHKem0puMS6jiYk68iicg9gU+wMh809NnzL7Rte0HRS67V/Ue68SajHV test-rsab2048"
}

@Suite struct AuthorizedKeyTests {
    @Test(arguments: [
        (KeyFixtures.ed25519, "ssh-ed25519", KeyFixtures.ed25519Fingerprint),
        (KeyFixtures.p256, "ecdsa-sha2-nistp256", "SHA256:VWAggfC7sgjTD32YZIWeGhPiafxjsJjMBnVOvI+NWuw"),
        (KeyFixtures.p384, "ecdsa-sha2-nistp384", "SHA256:ZxHMqEzs/dlrkoLd6HZXp5pdkkkvF3oax11P7TNqcrg"),
        (KeyFixtures.p521, "ecdsa-sha2-nistp521", "SHA256:7YjwpNnbMVPbAex6BgaO7UNY+SMOuxqxgrgtatJ7HGE"),
    ])
    func fingerprintMatchesSSHKeygen(_ line: String, _ type: String, _ fingerprint: String) throws {
        let key = try AuthorizedKey(publicKeyFile: line + "\n")
        #expect(key.type == type)
        #expect(key.fingerprint == fingerprint)
        #expect(line.contains(" \(key.base64) "))
    }

    @Test func skipsBlankLinesAndCommentsAndAcceptsAKeyWithoutComment() throws {
        let bare = String(KeyFixtures.ed25519.split(separator: " ").prefix(2).joined(separator: " "))
        let key = try AuthorizedKey(publicKeyFile: "\n# my laptop\n  \(bare)\t\n\n")
        #expect(key.fingerprint == KeyFixtures.ed25519Fingerprint)
    }

    @Test(arguments: [
        KeyFixtures.rsa, "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAI",
        "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29t",
    ])
    func refusesKeyTypesNIOSSHCannotVerifyAndSaysWhichWork(_ line: String) {
        let type = String(line.prefix { $0 != " " })
        #expect(throws: SSHKeyError.unsupportedType(type)) { try AuthorizedKey(publicKeyFile: line) }
        let message = SSHKeyError.unsupportedType(type).description
        #expect(message.contains("ssh-ed25519") && message.contains("ecdsa-sha2-nistp256") && message.contains("ssh-keygen -t ed25519"))
    }

    @Test func refusesAPrivateKeyFile() {
        #expect(throws: SSHKeyError.privateKey) {
            try AuthorizedKey(publicKeyFile: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
        }
    }

    @Test(arguments: [
        "", "\n\n", "hello world", "ssh-ed25519", "ssh-ed25519 !!!not-base64!!!",
        // a valid blob of another type under this type's name
        "ssh-ed25519 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBvVdBq4Flw5sfxuUgonYkpXBmQ9z/cmNjVaHQwVM6n8LPQjvEzo/0GC17EaEbT35vfbo05dwiRrexdR2AYjRKg=",
        // truncated
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPihA5Z10wRwDfWgoTHCdFXV83cu94KHnsda",
        #"command="ls" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPihA5Z10wRwDfWgoTHCdFXV83cu94KHnsdaHcUd2tgH"#,
        KeyFixtures.ed25519 + "\n" + KeyFixtures.p256,
    ])
    func refusesMalformedKeyFilesWithAClearMessage(_ text: String) {
        #expect {
            try AuthorizedKey(publicKeyFile: text)
        } throws: { error in
            guard case .malformed = error as? SSHKeyError else { return false }
            return (error as? SSHKeyError)?.description.contains("ssh-keygen -t ed25519") == true
        }
    }
}
