import Foundation
import GantryCore
@testable import GantryServer
import Testing

@Suite struct WebhookSignatureTests {
    static let secret = "s3cret-s3cret-s3cret-s3cret-s3cret"
    static let body = Data(#"{"ref":"refs/heads/main"}"#.utf8)
    /// `printf '%s' BODY | openssl dgst -sha256 -hmac SECRET`, computed outside Gantry.
    static let expected = "d3835e0f7cc96a6067d8c7e0476856ad4ef73e8f3d06452e057d8332af5cbb27"

    static func check(_ provider: WebhookProvider, _ headers: [String: String], body: Data = body) -> Bool {
        WebhookSignature.isValid(
            provider: provider, header: { name in headers.first { $0.key.lowercased() == name.lowercased() }?.value }, body: body,
            secret: secret)
    }

    @Test func hmacMatchesOpenSSL() throws {
        #expect(WebhookSignature.hmacHex(Self.body, secret: Self.secret) == Self.expected)
    }

    @Test func githubNeedsXHubSignature256OverTheRawBody() {
        let good = "sha256=" + WebhookSignature.hmacHex(Self.body, secret: Self.secret)
        #expect(Self.check(.github, ["X-Hub-Signature-256": good]))
        #expect(Self.check(.github, ["x-hub-signature-256": good]))
        #expect(!Self.check(.github, ["X-Hub-Signature-256": good], body: Self.body + Data(" ".utf8)))
        #expect(!Self.check(.github, ["X-Hub-Signature-256": "sha256=" + WebhookSignature.hmacHex(Self.body, secret: "other")]))
        #expect(!Self.check(.github, ["X-Hub-Signature-256": String(good.dropFirst(7))]), "the sha256= prefix is required")
        #expect(!Self.check(.github, ["X-Hub-Signature": "sha1=abc"]))
        #expect(!Self.check(.github, [:]))
        #expect(!Self.check(.github, ["X-Gitlab-Token": Self.secret]), "GitHub hooks do not take GitLab's token")
    }

    @Test func giteaTakesXGiteaSignatureOrXHubSignature256() {
        let hex = WebhookSignature.hmacHex(Self.body, secret: Self.secret)
        #expect(Self.check(.gitea, ["X-Gitea-Signature": hex]))
        #expect(Self.check(.gitea, ["X-Gitea-Signature": hex.uppercased()]))
        #expect(Self.check(.gitea, ["X-Hub-Signature-256": "sha256=" + hex]))
        #expect(!Self.check(.gitea, ["X-Gitea-Signature": String(hex.dropLast()) + (hex.hasSuffix("0") ? "1" : "0")]))
        #expect(!Self.check(.gitea, ["X-Gitea-Signature": "zz" + hex.dropFirst(2)]))
        #expect(!Self.check(.gitea, ["X-Gitea-Signature": ""]))
        #expect(!Self.check(.gitea, [:]))
    }

    @Test func gitlabNeedsTheSecretAsXGitlabToken() {
        #expect(Self.check(.gitlab, ["X-Gitlab-Token": Self.secret]))
        #expect(!Self.check(.gitlab, ["X-Gitlab-Token": Self.secret + "x"]))
        #expect(!Self.check(.gitlab, ["X-Gitlab-Token": ""]))
        #expect(!Self.check(.gitlab, ["X-Hub-Signature-256": "sha256=" + WebhookSignature.hmacHex(Self.body, secret: Self.secret)]))
        #expect(!Self.check(.gitlab, [:]))
    }

    @Test func constantTimeEqualityIsEquality() {
        #expect(WebhookSignature.constantTimeEqual("abc", "abc"))
        #expect(!WebhookSignature.constantTimeEqual("abc", "abd"))
        #expect(!WebhookSignature.constantTimeEqual("abc", "abcd"))
        #expect(WebhookSignature.constantTimeEqual("", ""))
    }
}
