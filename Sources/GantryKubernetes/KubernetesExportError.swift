/// Why a release's Kubernetes manifests could not be made.
public struct KubernetesExportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, and what to do about it.
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
