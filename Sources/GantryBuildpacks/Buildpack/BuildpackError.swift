/// Why no buildpack can build an app.
public enum BuildpackError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A bundled buildpack is broken (an installation problem, not the app's).
    case invalid(buildpack: String, String)
    /// No buildpack detected the app; each entry says what one looked for.
    case noMatch(lookedFor: [String])
    /// `GANTRY_BUILDPACK` names no bundled buildpack.
    case unknownOverride(String, available: [String])
    /// A script could not be run at all.
    case failedToRun(script: String, String)

    public var description: String {
        switch self {
        case .invalid(let buildpack, let reason): "buildpack \(buildpack) is broken: \(reason)"
        case .noMatch(let lookedFor):
            "no buildpack detected this app; looked for:\n" + lookedFor.map { "  - \($0)" }.joined(separator: "\n")
                + "\nadd one of these files, or set GANTRY_BUILDPACK"
        case .unknownOverride(let name, let available):
            "GANTRY_BUILDPACK=\(name) names no bundled buildpack; choose one of: \(available.joined(separator: ", "))"
        case .failedToRun(let script, let reason): "cannot run \(script): \(reason)"
        }
    }
}
