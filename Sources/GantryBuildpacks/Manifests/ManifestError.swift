/// A Procfile, app.json or buildpack answer that Gantry cannot use.
public enum ManifestError: Error, Hashable, Sendable, CustomStringConvertible {
    case procfile(line: Int, String)
    case appJSON(String)
    case release(buildpack: String, String)
    /// A manifest that is not a regular file of at most 1 MiB (`ManifestFile`).
    case unreadable(file: String, String)

    public var description: String {
        switch self {
        case .procfile(let line, let reason): "Procfile line \(line): \(reason)"
        case .appJSON(let reason): "app.json: \(reason)"
        case .release(let buildpack, let reason): "buildpack \(buildpack): bin/release: \(reason)"
        case .unreadable(let file, let reason): "\(file) \(reason)"
        }
    }
}
