import Foundation

/// Why a push to an OCI distribution registry failed. Every message names the registry and
/// says what to do; none carries a credential (passwords and tokens are never in a field).
public enum RegistryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `--registry` or the repository name is not usable.
    case invalidConfiguration(String)
    /// The `--registry-auth-file` cannot be used: unreadable, not JSON, readable by others.
    case invalidCredentials(path: String, reason: String)
    /// No answer from the registry: refused, unknown host, timed out.
    case unreachable(registry: String, detail: String)
    /// The registry refused the credentials (401) or their rights (403).
    case authenticationFailed(registry: String, status: Int, operation: String, hint: String)
    /// The registry answered an error: its own words (`errors[].message`) when it gave any.
    case refused(registry: String, operation: String, status: Int, message: String)
    /// The registry stored something other than what was sent.
    case digestMismatch(registry: String, operation: String, expected: String, actual: String)
    /// The image to push is not whole in the local store.
    case localImage(String)

    /// The registry's URL, when the failure involves one.
    public var registry: String? {
        switch self {
        case .unreachable(let registry, _), .authenticationFailed(let registry, _, _, _), .refused(let registry, _, _, _),
             .digestMismatch(let registry, _, _, _):
            registry
        case .invalidConfiguration, .invalidCredentials, .localImage: nil
        }
    }

    /// What went wrong, in words a user can act on.
    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            return reason
        case .invalidCredentials(let path, let reason):
            return "registry credentials \(path): \(reason)"
        case .unreachable(let registry, let detail):
            return "registry \(registry) is unreachable (\(detail))"
        case .authenticationFailed(let registry, let status, let operation, let hint):
            let what = status == 403 ? "denied access (403)" : "refused the credentials (401)"
            return "registry \(registry) \(what) to \(operation): authentication failed; \(hint)"
        case .refused(let registry, let operation, let status, let message):
            return "registry \(registry) refused to \(operation) (HTTP \(status)): \(message)"
        case .digestMismatch(let registry, let operation, let expected, let actual):
            return "registry \(registry) stored digest \(actual) to \(operation), Gantry sent \(expected)"
        case .localImage(let reason):
            return "cannot read the image to push: \(reason)"
        }
    }
}

/// The body of a registry's error answer: `{"errors": [{"code": …, "message": …}]}`.
struct RegistryErrorBody: Decodable {
    struct Entry: Decodable {
        var code: String?
        var message: String?
    }
    var errors: [Entry]

    /// `message (CODE)`, joined by `; `, or the body itself (first 200 characters) when it is
    /// not the spec's JSON, or `nil` when there is nothing to quote.
    static func words(in body: [UInt8]) -> String? {
        if let decoded = try? JSONDecoder().decode(Self.self, from: Data(body)), !decoded.errors.isEmpty {
            return decoded.errors.map { entry in
                switch (entry.message, entry.code) {
                case (let message?, let code?): "\(message) (\(code))"
                case (let message?, nil): message
                case (nil, let code?): code
                case (nil, nil): "unknown error"
                }
            }.joined(separator: "; ")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
