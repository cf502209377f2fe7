import Foundation
import GantryBuildpacks
import GantryCore

extension Builder {
    /// What runs the tests: app.json's script, else the buildpack's `bin/test`.
    public enum TestCommand: Hashable, Sendable {
        case script(String)
        case buildpack

        /// The label shown in the push ("python -m pytest -q", "bin/test").
        public var label: String {
            switch self {
            case .script(let script): script
            case .buildpack: "bin/test"
            }
        }
    }

    /// Runs the tests in a throwaway container of `image` (the stack plus the unpacked app
    /// layer, writes going to a private upper that is discarded).
    /// - Returns: normally; throws `.testsFailed` or `.timedOut` when they do not pass.
    /// - Throws: `BuildError`.
    public func test(
        _ image: Image, request: BuildRequest, command: TestCommand, output: @escaping @Sendable (String) -> Void
    ) async throws(BuildError) {
        guard let appLayer = image.layers.last else { throw .other("image \(image.tag) has no app layer") }
        let appRoot: String
        do { appRoot = try await layerCache.unpacked(appLayer) } catch { throw .image(error) }
        let environment = try writeEnvironmentDirectory(request, stage: "test")
        defer { try? FileManager.default.removeItem(atPath: environment) }

        var variables = image.environment.merging(request.config) { _, config in config }
        variables["CI"] = "true"
        variables["PATH"] = Launcher.path
        let arguments: [String] = switch command {
        case .script(let script): Launcher.arguments(for: script)
        case .buildpack: ["/buildpacks/\(request.buildpack.id)/bin/test", "/app", "/env"]
        }
        let status = try await run(
            request, stage: "test", arguments: arguments,
            mounts: [Mount(source: environment, destination: "/env"), Mount(source: buildpacksDirectory, destination: "/buildpacks")],
            layers: [stack.rootfs, appRoot], environment: variables, timeout: request.limits.testTimeout, output: output)
        switch status {
        case .exited(0): return
        case .timedOut: throw .timedOut(stage: "tests", limit: request.limits.testTimeout)
        default: throw .testsFailed(status)
        }
    }
}
