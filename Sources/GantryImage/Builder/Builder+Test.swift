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

    /// Runs the tests in a throwaway container of the compiled app (the stack plus its build
    /// directory as the app layer, writes going to a private upper that is discarded): the
    /// image's own file system, while the image's tar is still being written.
    /// - Returns: normally; throws `.testsFailed` or `.timedOut` when they do not pass.
    /// - Throws: `BuildError`.
    public func test(
        _ compiled: CompiledApp, command: TestCommand, output: @escaping @Sendable (String) -> Void
    ) async throws(BuildError) {
        let request = compiled.request
        let environment = try writeEnvironmentDirectory(request, stage: "test")
        defer { try? FileManager.default.removeItem(atPath: environment) }

        var variables = imageEnvironment.merging(request.config) { _, config in config }
        variables["CI"] = "true"
        variables["PATH"] = Launcher.path
        let arguments: [String] = switch command {
        case .script(let script): Launcher.arguments(for: script)
        case .buildpack: ["/buildpacks/\(request.buildpack.id)/bin/test", "/app", "/env"]
        }
        let status = try await run(
            request, stage: "test", arguments: arguments,
            mounts: [Mount(source: environment, destination: "/env"), Mount(source: buildpacksDirectory, destination: "/buildpacks")],
            layers: [stack.rootfs] + compiled.layerRoots, environment: variables, timeout: request.limits.testTimeout, output: output)
        switch status {
        case .exited(0): return
        case .timedOut: throw .timedOut(stage: "tests", limit: request.limits.testTimeout)
        default: throw .testsFailed(status)
        }
    }
}
