import Foundation
import GantryCore
import Testing
@_exported import GantryTesting

/// Values used across the suites.
enum Fixture {
    static let main = try! RefName.branch("main")
    static let first = commit("a")
    static let second = commit("b")

    /// Every migration, oldest first, as `Store.migrationsAppliedAtOpen` lists them for a new file.
    static let allMigrations = [
        "v1-apps-tokens-builds", "v2-build-stages", "v3-build-log-chunks", "v4-config-vars",
        "v5-releases-formation", "v6-release-origin-commit-summary", "v7-ssh-keys", "v8-webhooks", "v9-interrupted-builds", "v10-users-access-audit", "v11-domains", "v12-certificates", "v13-acme-status", "v14-release-phases", "v15-maintenance", "v16-canaries", "v17-image-references",
    ]

    /// An image digest made of one repeated hex digit.
    static func digest(_ digit: Character) -> String { "sha256:" + String(repeating: digit, count: 64) }

    static func app(_ name: String) -> AppName { try! AppName(name) }

    /// An object id made of one repeated hex digit.
    static func commit(_ digit: Character) -> ObjectID {
        try! ObjectID(String(repeating: digit, count: 40))
    }

    /// The path of a database file in the test's scratch directory.
    static var databasePath: String { ScratchDirectory.path + "/gantry.sqlite" }
}
