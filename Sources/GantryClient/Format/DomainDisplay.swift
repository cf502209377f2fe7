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
