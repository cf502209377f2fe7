import GantryRegistry
import Logging

extension Gantryd {
    /// The client of `--registry`, with the credentials of `--registry-auth-file`; `nil` when
    /// images stay on this host.
    /// - Throws: `StartupError` when the auth file cannot be used (its content never quoted).
    func makeRegistryClient(logger: Logger) throws -> RegistryClient? {
        guard let registry else { return nil }
        do {
            let endpoint = try RegistryEndpoint(registry)
            let credentials = try registryAuthFile.map { path throws(RegistryError) in try RegistryCredentials.load(from: path) }
            logger.info("images are pushed to \(endpoint)\(registryAuthFile.map { " with the credentials of \($0)" } ?? "")")
            return RegistryClient(endpoint: endpoint, credentials: credentials)
        } catch {
            throw StartupError("\(error)")
        }
    }
}
