import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/export?format=k8s[&release=vN][&namespace=NS]`: a release's Kubernetes
/// manifests (YAML), for `gantry export APP --k8s`. The manifests carry the release's config
/// values (in a Secret), so the route asks what reading config values asks: `deploy` access
/// (`ConfigController`).
struct ExportController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let operations: (any AppOperations)?

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/export", .app(.deploy), use: export)
    }

    /// The manifests of release `release` (default: the live one) as `application/yaml`: 409
    /// when the app has no live release or the release's image was not pushed to a registry.
    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let app = try AppName(context.parameters.get("name") ?? "")
        let query = request.uri.queryParameters
        switch query.get("format") {
        case "k8s": break
        case nil: throw HTTPProblem(.badRequest, "say which format to export: format=k8s (Kubernetes manifests)")
        case let format?: throw HTTPProblem(.badRequest, "unknown export format '\(format.prefix(40))': the one there is is k8s (Kubernetes manifests)")
        }
        let namespace = try query.get("namespace").map(Self.validNamespace)
        let release: Release
        if let text = query.get("release") {
            guard let version = ReleaseVersion.parse(text) else {
                throw HTTPProblem(.badRequest, "invalid release version '\(text.prefix(40))': use vN or N, such as v12")
            }
            release = try await store.release(app: app, version: version)
        } else {
            guard let live = try await store.currentRelease(app: app) else {
                throw HTTPProblem(.conflict, "\(app) has no live release to export; push one, or name a release with --release vN")
            }
            release = live
        }
        guard let image = release.imageReference else {
            throw HTTPProblem(.conflict, "v\(release.version) of \(app) was not pushed to a registry: start gantryd with --registry URL and push again")
        }
        guard let operations else { throw HTTPProblem(.serviceUnavailable, "this server does not export releases") }
        let yaml = try await operations.kubernetesManifests(release, image: image, namespace: namespace)
        return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: yaml)))
    }

    /// A Kubernetes namespace name: a DNS label (RFC 1123) of at most 63 characters.
    static func validNamespace(_ name: String) throws -> String {
        let allowed = name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
        guard (1...63).contains(name.utf8.count), allowed, !name.hasPrefix("-"), !name.hasSuffix("-") else {
            throw HTTPProblem(
                .badRequest,
                "invalid namespace '\(name.prefix(70))': a Kubernetes namespace is 1 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit")
        }
        return name
    }
}
