import Crypto
import Foundation
import GantryCore

/// Checks that a delivery comes from the git server that knows the webhook's secret, over the
/// raw body and in constant time, before anything else of the request is looked at:
///
/// - GitHub: `X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256 of the body with the secret;
/// - Gitea: `X-Gitea-Signature: HEX` (same HMAC), or the `X-Hub-Signature-256` it also sends;
/// - GitLab: `X-Gitlab-Token` equal to the secret (GitLab signs nothing).
enum WebhookSignature {
    /// Whether the request's signature (read through `header`, case-insensitive) matches.
    static func isValid(
        provider: WebhookProvider, header: (String) -> String?, body: some ContiguousBytes & DataProtocol, secret: String
    ) -> Bool {
        switch provider {
        case .github:
            return header("X-Hub-Signature-256").map { isValidHMAC(prefixed: $0, body: body, secret: secret) } ?? false
        case .gitea:
            if let signature = header("X-Gitea-Signature") { return isValidHMAC(hex: signature, body: body, secret: secret) }
            return header("X-Hub-Signature-256").map { isValidHMAC(prefixed: $0, body: body, secret: secret) } ?? false
        case .gitlab:
            return header("X-Gitlab-Token").map { constantTimeEqual($0, secret) } ?? false
        }
    }

    /// `sha256=HEX` against the body's HMAC.
    private static func isValidHMAC(prefixed value: String, body: some DataProtocol, secret: String) -> Bool {
        let prefix = "sha256="
        guard value.lowercased().hasPrefix(prefix) else { return false }
        return isValidHMAC(hex: String(value.dropFirst(prefix.count)), body: body, secret: secret)
    }

    /// `HEX` (64 digits) against the body's HMAC-SHA256, compared in constant time.
    static func isValidHMAC(hex: String, body: some DataProtocol, secret: String) -> Bool {
        guard let mac = bytes(hex: hex.trimmingCharacters(in: .whitespaces)), mac.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// The lowercase hex HMAC-SHA256 of `body` with `secret`: what a git server sends.
    static func hmacHex(_ body: some DataProtocol, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time independent of where they differ (their SHA-256 digests,
    /// byte by byte, without an early exit).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(SHA256.hash(data: Array(a.utf8)))
        let right = Array(SHA256.hash(data: Array(b.utf8)))
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
