import ArgumentParser
import GantryClient
import GantryCore

/// `gantry export APP --k8s [--release vN] [--namespace NS]`: a release as Kubernetes manifests.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print a release as Kubernetes manifests (YAML).",
        discussion: """
            For `kubectl apply -f -`: prints a Secret with the release's config vars, a Deployment per process type (its \
            registry image, command, replicas, probes from app.json and limits), and for the web \
            type a Service and an Ingress for the app's host names. The release's image must \
            have been pushed to a registry (gantryd --registry URL). The Secret holds config \
            values: exporting needs deploy access.
            """)

    @OptionGroup var server: ServerOptions
    @Flag(help: "Kubernetes manifests (the one format there is).")
    var k8s = false
    @Option(help: ArgumentHelp("The release to export, as `gantry releases APP` lists it (default: the live one).", valueName: "vN"))
    var release: String?
    @Option(help: ArgumentHelp("The namespace every object names (default: none, so kubectl's -n chooses).", valueName: "namespace"))
    var namespace: String?
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
        guard k8s else { throw CLIError("say what to export: --k8s for Kubernetes manifests (the one format there is)") }
        if let release { _ = try parseReleaseVersion(release) }
    }

    func run() async throws {
        let version = try release.map { text throws(CLIError) in try parseReleaseVersion(text) }
        let yaml = try await server.client().kubernetesManifests(app: app, version: version, namespace: namespace)
        print(yaml, terminator: yaml.hasSuffix("\n") ? "" : "\n")
    }
}
