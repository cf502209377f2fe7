import GantryCore
import GantryImage
import GantryRegistry

extension Pipeline {
    /// Pushes a built image to the registry (`--registry`) by its digest, in the app's
    /// repository, and says what was sent: `Pushed 127.0.0.1:5000/hello@sha256:… (3 blobs, 2 already there, 1.2 MB sent)`.
    ///
    /// It runs once the tests passed and before the release is recorded, so a release is only
    /// ever recorded with an image the registry holds; its tag `vN` follows once N is known
    /// (`tag(_:as:log:)`).
    /// - Returns: the pushed image, or `nil` when no registry is configured.
    /// - Throws: `RegistryError` with the registry's words.
    func push(_ image: Image, of app: AppName, log: BuildLog) async throws(RegistryError) -> PushedImage? {
        guard let registry else { return nil }
        let pushed = try await registry.push(image, from: builder.layout, repository: try registry.endpoint.repository(app.rawValue))
        log.step(pushed.summary)
        return pushed
    }

    /// Tags the pushed image of `release` `vN` in its repository. A refusal fails the release
    /// (marked failed; nothing goes live): the registry must name every release it serves.
    /// - Returns: `nil` when tagged (or nothing was pushed), else the reason to reject the push.
    func tag(_ pushed: PushedImage?, as release: Release, log: BuildLog) async -> String? {
        guard let registry, let pushed else { return nil }
        do {
            try await registry.tag(pushed, as: "v\(release.version)")
            return nil
        } catch {
            log.step("Push to the registry failed: \(error)")
            try? await store.markReleaseFailed(id: release.id, reason: "registry: \(error)")
            logger.info("release v\(release.version) of \(release.app) failed: \(error)")
            return "registry push failed"
        }
    }
}
