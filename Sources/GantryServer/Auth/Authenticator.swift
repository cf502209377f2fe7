import Foundation
import GantryCore
import GantryGit
import GantryStore
import Hummingbird
import Logging

/// Checks API tokens: `Authorization: Bearer TOKEN` for the REST API, HTTP basic (password =
/// token, any user name) for git, which is what git's credential prompt sends. A token that
/// is wrong, revoked or expired is a failed login: counted per source address by the
/// throttle, and written to the audit log.
struct Authenticator: Sendable {
    let store: Store
    let throttle: LoginThrottle
    let auditor: Auditor

    enum Scheme: Sendable {
        /// The API's `Bearer`.
        case bearer
        /// git's `Basic`, or `Bearer`.
        case basic

        var challenge: String {
            switch self {
            case .bearer: #"Bearer realm="gantry""#
            case .basic: #"Basic realm="gantry""#
            }
        }
    }

    /// The caller of `request`; `nil` when it presents no credentials at all.
    /// - Throws: `HTTPProblem` 401 when the credentials are refused, 429 (with `Retry-After`)
    ///   when `peer` failed too often lately.
    func caller(of request: Request, peer: String, scheme: Scheme, door: String) async throws -> Caller? {
        guard let header = request.headers[.authorization] else { return nil }
        if let seconds = throttle.retryAfter(peer) {
            if throttle.isFirstRefusal(peer) {
                await auditor.record(AuditEntry(user: nil, credential: nil, peer: peer, action: "login", detail: door, outcome: "refused: too many failed logins"))
            }
            throw HTTPProblem(
                .tooManyRequests, "too many failed logins from \(peer); try again in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
        let check = try await store.authenticate(token: Self.token(in: header, scheme: scheme) ?? "")
        let refusal: (user: String?, credential: String, reason: String)
        switch check {
        case .valid(let token, let user):
            return Caller(user: user, credential: .token(token))
        case .unknown:
            refusal = (nil, "unknown token", "invalid API token")
        case .revoked(let token):
            refusal = (token.user.rawValue, Caller.label(token), "this API token was revoked")
        case .expired(let token):
            refusal = (token.user.rawValue, Caller.label(token), "this API token expired at \(token.expiresAt.map(Self.time) ?? "?")")
        }
        throttle.failed(peer)
        await auditor.record(AuditEntry(user: refusal.user, credential: refusal.credential, peer: peer, action: "login", detail: door, outcome: "refused: \(refusal.reason)"))
        let hint = scheme == .basic ? "use an API token as the password (`gantry login` sets up git)" : "run `gantry login` with a valid token"
        throw HTTPProblem(.unauthorized, "\(refusal.reason); \(hint)", headers: [.wwwAuthenticate: scheme.challenge])
    }

    /// The token in an `Authorization` header: `Bearer TOKEN`, or for git `Basic` with the
    /// token as the password.
    static func token(in header: String, scheme: Scheme) -> String? {
        if header.lowercased().hasPrefix("bearer ") {
            return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        guard scheme == .basic, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst("basic ".count)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        else { return nil }
        return String(credentials[credentials.index(after: colon)...])
    }

    static func time(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// Requires a valid API token on every route below it and puts its caller in the context.
struct APIAuthMiddleware: RouterMiddleware {
    typealias Context = GantryRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = try await authenticator.caller(of: request, peer: context.peer, scheme: .bearer, door: "api") else {
            throw HTTPProblem(
                .unauthorized, "missing API token: send 'Authorization: Bearer TOKEN' (`gantry login` stores one)",
                headers: [.wwwAuthenticate: Authenticator.Scheme.bearer.challenge])
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

/// Appends to the audit log. A failed append is logged, never the caller's failure: the
/// action it records has happened.
struct Auditor: Sendable {
    let store: Store
    let logger: Logger

    func record(_ entry: AuditEntry) async {
        do { try await store.appendAudit(entry) } catch {
            logger.error("cannot append to the audit log (\(entry.action) by \(entry.user ?? "?") from \(entry.peer ?? "?"): \(entry.outcome)): \(error)")
        }
    }

    /// One row per ref of a push: the ref, old..new, and whether it moved.
    func push(_ report: [(RefCommand, RefResult)], by caller: Caller, peer: String, app: AppName, door: String) async {
        for (command, result) in report {
            let outcome = switch result {
            case .ok: "ok"
            case .rejected(let reason): "rejected: \(reason)"
            }
            await record(Self.entry(
                caller, peer: peer, action: "push", app: app,
                detail: "\(command.name.prefix(200)) \(command.old.short)..\(command.new.short) over \(door)", outcome: outcome))
        }
    }

    /// An entry for a call of `caller`.
    static func entry(_ caller: Caller, peer: String?, action: String, app: AppName? = nil, detail: String? = nil, outcome: String) -> AuditEntry {
        AuditEntry(
            user: caller.user.name.rawValue, credential: caller.credentialLabel, peer: peer, action: action, app: app?.rawValue, detail: detail,
            outcome: outcome)
    }
}
