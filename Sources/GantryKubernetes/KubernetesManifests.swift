import Foundation
import Mustache

/// The templates of `templates/k8s/` — a Secret, a Deployment per process type, a Service and
/// an Ingress for the web type — and the YAML they make of a `KubernetesRelease`.
///
/// Every template starts with `{{% CONTENT_TYPE: YAML }}`, so `{{value}}` is written as a
/// JSON string (`YAMLScalar`); `{{{value}}}` (unescaped) is used for integers only, which the
/// context holds as `Int`.
public struct KubernetesManifests: Sendable {
    /// The template files, by object: `secret`, `deployment`, `service`, `ingress`.
    public static let templateNames = ["secret", "deployment", "service", "ingress"]

    let templates: [String: MustacheTemplate]

    /// Reads and parses the templates in `directory` (`NAME.yaml.mustache` each).
    /// - Throws: `KubernetesExportError` naming a template that is missing, unreadable,
    ///   invalid, or does not declare the YAML content type.
    public init(directory: String) throws(KubernetesExportError) {
        _ = YAMLScalar.registered
        var templates: [String: MustacheTemplate] = [:]
        for name in Self.templateNames {
            let path = directory + "/" + name + ".yaml.mustache"
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw KubernetesExportError("cannot read the Kubernetes template \(path) (\(error.localizedDescription)); gantryd reads templates/k8s/ of its checkout")
            }
            guard text.hasPrefix("{{% CONTENT_TYPE: \(YAMLScalar.contentTypeName) }}") else {
                throw KubernetesExportError(
                    "the Kubernetes template \(path) must start with {{% CONTENT_TYPE: \(YAMLScalar.contentTypeName) }}, so that every value is written as a quoted YAML string")
            }
            do { templates[name] = try MustacheTemplate(string: text) } catch {
                throw KubernetesExportError("the Kubernetes template \(path) is not a valid Mustache template: \(error)")
            }
        }
        self.templates = templates
    }

    /// The manifests of `release`, as YAML documents separated by `---`: its Secret, a
    /// Deployment per process type (web first), and for a web type its Service and — when it
    /// has host names — its Ingress.
    /// - Throws: `KubernetesExportError` when two process types would get the same object name.
    public func render(_ release: KubernetesRelease) throws(KubernetesExportError) -> String {
        let names = try KubernetesNames(release)
        var documents = [render("secret", names.secretContext(release))]
        for process in release.processes {
            documents.append(render("deployment", names.deploymentContext(release, process)))
        }
        if release.processes.contains(where: \.isWeb) {
            documents.append(render("service", names.serviceContext(release)))
            if !release.hosts.isEmpty { documents.append(render("ingress", names.ingressContext(release))) }
        }
        return documents.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "---\n")
    }

    private func render(_ name: String, _ context: [String: Any]) -> String {
        guard let template = templates[name] else { preconditionFailure("template \(name) was loaded in init") }
        return template.render(context)
    }
}
