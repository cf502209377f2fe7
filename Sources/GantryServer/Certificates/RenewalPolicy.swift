import Foundation
import GantryCore
import GantryStore

/// What an app needs from the CA, decided from its domains, its certificate and what was
/// tried before. Pure, so that every branch is tested without a CA or a clock.
enum RenewalPolicy {
    enum Decision: Equatable {
        /// Nothing to ask for: no domain a CA can validate, or a certificate of the app's own.
        case none
        /// The certificate covers every name and is not due: look again at `renewAt`.
        case valid(renewAt: Date)
        /// The last attempt for these names failed: try again at `retryAt`.
        case wait(retryAt: Date)
        /// Ask the CA now.
        case issue
    }

    /// The first retry after a failure; each further failure doubles it, up to `maximumBackoff`.
    static let firstBackoff: TimeInterval = 60
    static let maximumBackoff: TimeInterval = 24 * 3600

    /// The names of `domains` (and of the app's default name under `appsDomain`) an ACME CA can
    /// validate over HTTP-01: no wildcard, nothing under `localhost`.
    static func names(app: AppName, domains: [DomainName], appsDomain: String) -> [String] {
        var names = domains.filter { !$0.isWildcard }.map(\.rawValue)
        if appsDomain != "localhost", !appsDomain.hasSuffix(".localhost") { names.insert("\(app).\(appsDomain)", at: 0) }
        return names.filter { $0 != "localhost" && !$0.hasSuffix(".localhost") }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    static func decide(names: [String], certificate: StoredCertificate?, status: AutomaticCertificate?, now: Date) -> Decision {
        if names.isEmpty || certificate?.source == "manual" { return .none }
        if let certificate, Set(names).isSubset(of: Set(certificate.names)) {
            let renewAt = renewalTime(notBefore: certificate.notBefore, notAfter: certificate.notAfter)
            if now < renewAt { return .valid(renewAt: renewAt) }
        }
        if let status, status.state == "failed", status.names == names, let retryAt = status.nextAttemptAt, now < retryAt {
            return .wait(retryAt: retryAt)
        }
        return .issue
    }

    /// Two thirds into the certificate's lifetime (Let's Encrypt's 90 days: after 60).
    static func renewalTime(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * 2 / 3)
    }

    /// When to try again after the `failures`-th failure in a row, or later if the CA asked.
    static func retryTime(after failures: Int, retryAfter: Duration?, now: Date) -> Date {
        let backoff = min(firstBackoff * pow(2, Double(max(failures, 1) - 1)), maximumBackoff)
        let asked = retryAfter.map { Double($0.components.seconds) } ?? 0
        return now.addingTimeInterval(max(backoff, asked))
    }
}
