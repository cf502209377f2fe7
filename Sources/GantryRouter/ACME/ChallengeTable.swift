import Synchronization

/// The ACME HTTP-01 challenges the router answers on its plain HTTP port (RFC 8555 §8.3):
/// `GET /.well-known/acme-challenge/TOKEN` gets `200 text/plain` with the key authorization
/// published for `TOKEN`, for any Host — a known app's or not — before routing and before any
/// HTTPS redirect. An unknown or malformed token gets 404. The HTTPS port never answers them.
///
/// Safe to use from any thread; the certificate manager publishes a token before it asks the
/// CA to validate and withdraws it afterwards.
public final class ChallengeTable: Sendable {
    /// The path prefix every challenge request starts with.
    static let pathPrefix = "/.well-known/acme-challenge/"
    /// The most tokens held at once (each order has one per name; a runaway caller is stopped).
    public static let capacity = 1024
    /// The longest token accepted (ACME's are 43 characters: 256 random bits in base64url).
    public static let maximumTokenLength = 256
    /// The longest key authorization accepted (token, a dot, a 43-character thumbprint).
    public static let maximumKeyAuthorizationLength = 512

    private let tokens = Mutex<[String: String]>([:])

    /// Creates an empty table.
    public init() {}

    /// Answers `token` with `keyAuthorization` from now on, replacing a previous answer.
    /// - Throws: `ChallengeError.invalidToken` when the token is empty, longer than
    ///   ``maximumTokenLength`` or not base64url; `.invalidKeyAuthorization` when the key
    ///   authorization is not base64url and dots or too long; `.full` when ``capacity`` tokens
    ///   are published already.
    public func publish(token: String, keyAuthorization: String) throws(ChallengeError) {
        guard Self.isToken(token.utf8) else { throw .invalidToken(String(token.prefix(64))) }
        guard !keyAuthorization.isEmpty, keyAuthorization.utf8.count <= Self.maximumKeyAuthorizationLength,
            keyAuthorization.utf8.allSatisfy({ Self.isBase64URL($0) || $0 == UInt8(ascii: ".") })
        else { throw .invalidKeyAuthorization }
        try tokens.withLock { (tokens) throws(ChallengeError) in
            if tokens[token] == nil, tokens.count >= Self.capacity { throw .full }
            tokens[token] = keyAuthorization
        }
    }

    /// Stops answering `token` (404 from now on). Withdrawing an unknown token does nothing.
    public func withdraw(token: String) {
        _ = tokens.withLock { $0.removeValue(forKey: token) }
    }

    /// The tokens answered now, sorted.
    public var publishedTokens: [String] { tokens.withLock { Array($0.keys) }.sorted() }

    /// The key authorization for the token in `path` (what follows the prefix, up to an
    /// optional query), or `nil` for a malformed or unknown token.
    func answer(tokenBytes: some Collection<UInt8>) -> String? {
        guard Self.isToken(tokenBytes) else { return nil }
        let token = String(decoding: tokenBytes, as: UTF8.self)
        return tokens.withLock { $0[token] }
    }

    /// Whether `bytes` is 1 to ``maximumTokenLength`` base64url characters.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= maximumTokenLength && bytes.allSatisfy(isBase64URL)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}

/// Why a challenge could not be published.
public enum ChallengeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token is empty, too long or not base64url (it is shown cut to 64 characters).
    case invalidToken(String)
    /// The key authorization is empty, too long or holds other characters than base64url and dots.
    case invalidKeyAuthorization
    /// ``ChallengeTable/capacity`` tokens are published already: withdraw finished ones.
    case full

    public var description: String {
        switch self {
        case .invalidToken(let token): return "the ACME challenge token \(token) is not 1 to 256 base64url characters"
        case .invalidKeyAuthorization: return "the ACME key authorization is not 1 to 512 base64url characters and dots"
        case .full: return "the router holds \(ChallengeTable.capacity) ACME challenges already: withdraw finished ones"
        }
    }
}
