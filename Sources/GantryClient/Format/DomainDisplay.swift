import Foundation
import GantryCore

/// `gantry domains APP`.
public enum DomainDisplay {
    public static func table(_ domains: AppDomains, relativeTo now: Date = Date()) -> String {
        TextTable.render(
            headers: ["DOMAIN", "KIND", "ADDED"],
            rows: [[domains.defaultHost, "default", "-"]]
                + domains.domains.map { [$0.name.rawValue, $0.name.isWildcard ? "wildcard" : "custom", RelativeTime.describe($0.createdAt, relativeTo: now)] })
    }
}

extension DomainDisplay {
    /// `gantry certs APP`: one certificate, field per line.
    public static func certificate(_ certificate: CertificateInfo, relativeTo now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        let rows: [(String, String)] = [
            ("Names", certificate.names.map(Display.printable).joined(separator: ", ")),
            ("Covers", certificate.covers.isEmpty ? "none of the app's domains" : certificate.covers.joined(separator: ", ")),
            ("Issuer", Display.printable(certificate.issuer)),
            ("Expires", "\(formatter.string(from: certificate.notAfter)) (\(RelativeTime.describe(certificate.notAfter, relativeTo: now)))"),
            ("Source", certificate.source),
        ]
        return fields(rows)
    }

    /// `gantry certs APP` with an ACME directory: where getting the certificate stands.
    public static func automatic(_ status: AutomaticCertificate, relativeTo now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        func when(_ date: Date) -> String { "\(formatter.string(from: date)) (\(RelativeTime.describe(date, relativeTo: now)))" }
        var rows: [(String, String)] = [("Names", status.names.map(Display.printable).joined(separator: ", "))]
        switch status.state {
        case "issued": rows.append(("Status", "issued; renews at " + (status.nextAttemptAt.map(when) ?? "-")))
        case "issuing": rows.append(("Status", "asking the CA now"))
        default: rows.append(("Status", "failed \(status.failures) time\(status.failures == 1 ? "" : "s"); next try at " + (status.nextAttemptAt.map(when) ?? "-")))
        }
        if let error = status.lastError { rows.append(("Error", Display.printable(error))) }
        return fields(rows)
    }

    private static func fields(_ rows: [(String, String)]) -> String {
        rows.map { "\($0.0):" + String(repeating: " ", count: max(1, 9 - $0.0.count)) + $0.1 }.joined(separator: "\n")
    }
}
