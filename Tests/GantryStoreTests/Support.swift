import Foundation
import GantryCore
import Testing

/// A fresh directory for one test, removed afterwards: `@Test(.scratchDirectory)`, then
/// `ScratchDirectory.path`.
struct ScratchDirectory: TestTrait, TestScoping {
    @TaskLocal static var current: String?

    /// The current test's directory.
    static var path: String {
        guard let current else { preconditionFailure("the test needs the .scratchDirectory trait") }
        return current
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gantry-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.$current.withValue(directory) { try await function() }
    }
}

extension Trait where Self == ScratchDirectory {
    /// Gives the test a fresh directory, `ScratchDirectory.path`.
    static var scratchDirectory: Self { Self() }
}

/// Values used across the suites.
enum Fixture {
    static let main = try! RefName.branch("main")
    static let first = commit("a")
    static let second = commit("b")

    /// Every migration, oldest first, as `Store.migrationsAppliedAtOpen` lists them for a new file.
    static let allMigrations = [
        "v1-apps-tokens-builds", "v2-build-stages", "v3-build-log-chunks", "v4-config-vars",
        "v5-releases-formation",
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
