import Foundation
import GantryBuildpacks
import GantryCore
import GantryImage
import GantryMetrics
import GantryPipeline
import GantryRouter
import GantryRuntime
import GantryStore
import Logging

extension Gantryd {
    /// Wires the stages: the stack into the image store, the runtime (after clearing what a
    /// crash left), the builder, the pipeline.
    /// - Throws: `StartupError` saying what to do.
    func makePipeline(
        dataDirectory: DataDirectory, store: Store, stackDirectory: String, buildpacksDirectory: String, router: Router, metrics: GantryMetrics,
        logger: Logger
    ) async throws -> Pipeline {
        let buildpacks: BuildpackSet
        let stack: Stack
        do {
            buildpacks = try BuildpackSet(directory: buildpacksDirectory)
            stack = try Stack.load(from: stackDirectory)
        } catch {
            throw StartupError("\(error)")
        }
        let layout = try ImageLayout(root: dataDirectory.images)
        _ = try await layout.importStack(stack)
        let layerCache = try LayerCache(root: dataDirectory.layers, layout: layout)
        await layerCache.register(stack)
        let runtime = RuncRuntime(binary: ociRuntime, containersDirectory: dataDirectory.containers)
        logger.info("stack \(stack.name) (\(stack.digest)), buildpacks: \(buildpacks.buildpacks.map(\.id).joined(separator: ", "))")
        var builder = Builder(
            layout: layout, layerCache: layerCache, stack: stack, buildpacksDirectory: buildpacksDirectory, runtime: runtime,
            cacheDirectory: dataDirectory.buildCaches, scratchDirectory: dataDirectory.scratch)
        builder.minimumFreeBytes = minFreeMb * 1_000_000
        let deployer = Deployer(runtime: runtime, router: RouterTraffic(router: router), health: HealthChecker(), logsDirectory: dataDirectory.logs)
        let routerPort = routerPort
        let pipeline = Pipeline(
            store: store, builder: builder, buildpacks: buildpacks, deployer: deployer, scratch: dataDirectory.scratch,
            publicURL: { app in "http://\(app.rawValue).localhost\(routerPort == 80 ? "" : ":\(routerPort)")" }, logger: logger,
            events: metrics.record(_:), keptReleases: keepReleases)
        for line in await pipeline.restoreLiveReleases() { logger.notice("restore: \(line)") }
        return pipeline
    }
}

/// gantryd cannot start; the message says what to do.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
