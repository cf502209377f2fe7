import GantryCore

extension GantryAPIClient {
    /// The Kubernetes manifests (YAML) of release `version` of `app` (the live one when `nil`):
    /// a Secret with its config, a Deployment per process type, a Service and an Ingress.
    /// - Parameter namespace: the namespace every object names; none when `nil`.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or release, (403) without
    ///   `deploy` access (the manifests hold config values), (409) no live release or a
    ///   release whose image was not pushed to a registry.
    public func kubernetesManifests(app: String, version: Int?, namespace: String?) async throws(ClientError) -> String {
        var query = ["format=k8s"]
        if let version { query.append("release=v\(version)") }
        if let namespace { query.append("namespace=\(Self.pathSegment(namespace))") }
        return try await send(.get, "/apps/\(Self.pathSegment(app))/export?" + query.joined(separator: "&")).bodyText
    }
}
