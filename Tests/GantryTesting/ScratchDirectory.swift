import Foundation
import Testing

/// A fresh directory for one test, removed afterwards: `@Test(.scratchDirectory)`, then
/// `ScratchDirectory.path`.
public struct ScratchDirectory: TestTrait, TestScoping {
    @TaskLocal public static var current: String?

    /// The current test's directory.
    public static var path: String {
        guard let current else { preconditionFailure("the test needs the .scratchDirectory trait") }
        return current
    }

    public init() {}

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gantry-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.$current.withValue(directory) { try await function() }
    }
}

extension Trait where Self == ScratchDirectory {
    /// Gives the test a fresh directory, `ScratchDirectory.path`.
    public static var scratchDirectory: Self { Self() }
}
