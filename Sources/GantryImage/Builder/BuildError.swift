import GantryBuildpacks
import GantryCore

/// Why a build or its tests did not produce a usable image. Each case says which stage
/// failed and why, in words for the pusher.
public enum BuildError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `bin/compile` exited non-zero or was killed.
    case compileFailed(buildpack: String, ExitStatus)
    /// `bin/compile` failed after being refused a permission (`evidence`: the line saying so):
    /// it needs root, which builds do not have.
    case needsRoot(buildpack: String, ExitStatus, user: Int, evidence: String)
    /// The tests ran and failed.
    case testsFailed(ExitStatus)
    /// A stage ran past its time limit.
    case timedOut(stage: String, limit: Duration)
    /// A Procfile, app.json or buildpack answer is unusable.
    case manifest(ManifestError)
    /// No buildpack applies, or the buildpacks are broken.
    case buildpack(BuildpackError)
    /// The container could not be run.
    case runtime(RuntimeError)
    /// The image store failed.
    case image(ImageError)
    /// The compiled app is larger than its limit (`GANTRY_MAX_APP_MB`): `size` is at least
    /// what the pre-walk counted before it stopped, `limit` the limit; both in bytes.
    case appTooLarge(size: Int, limit: Int)
    /// The data directory has less free space than a build needs; both in bytes.
    case diskFull(free: Int, needed: Int)
    /// `bin/compile` failed after a write met a full disk (`evidence`: the line saying so);
    /// `place` names the data directory and its free space then.
    case noSpace(buildpack: String, ExitStatus, place: String, evidence: String)
    /// The pushed tree cannot be built from (an unsafe symlink, say).
    case invalidSource(String)
    /// Anything else, with its explanation.
    case other(String)

    public var description: String {
        // A build, image, runtime or other failure that met a full disk says so first, in plain words.
        guard NoSpace.isMentioned(in: detail), !detail.contains(NoSpace.words) else { return detail }
        if case .noSpace(_, _, let place, _) = self { return NoSpace.message(place) + " (\(detail))" }
        return NoSpace.message() + " (\(detail))"
    }

    private var detail: String {
        switch self {
        case .compileFailed(let buildpack, let status): "\(buildpack) build failed (\(status))"
        case .needsRoot(let buildpack, let status, let user, let evidence):
            "\(buildpack) build failed (\(status)) after being refused a permission (\"\(evidence)\"): builds run as the app's "
                + "unprivileged user (uid \(user)) without root or capabilities, and may write only to /app, /cache and /tmp; "
                + "a buildpack that needs root (apt-get install, writing to /usr or /etc) cannot run on Gantry"
        case .testsFailed(let status): "tests failed (\(status))"
        case .timedOut(let stage, let limit): "\(stage) timed out after \(limit.components.seconds) s"
        case .manifest(let error): error.description
        case .buildpack(let error): error.description
        case .runtime(let error): error.description
        case .image(let error): error.description
        case .appTooLarge(let size, let limit):
            "the compiled app is over \(limit / 1_000_000) MB (GANTRY_MAX_APP_MB=\(limit / 1_000_000); it has at least "
                + "\(size / 1_000_000) MB of files, sparse files counted at their full size): make /app smaller "
                + "or raise GANTRY_MAX_APP_MB (MB of 1,000,000 bytes)"
        case .diskFull(let free, let needed):
            "not enough disk space for a build: \(free / 1_000_000) MB free, \(needed / 1_000_000) MB needed in the data directory; "
                + "free some (`gantry gc`) or lower gantryd's --min-free-mb"
        case .noSpace(let buildpack, let status, _, let evidence): "\(buildpack) build failed (\(status)): \"\(evidence)\""
        case .invalidSource(let reason): reason
        case .other(let reason): reason
        }
    }

    /// The short reason git shows after `! [remote rejected] main -> main (…)`.
    public var rejection: String {
        if NoSpace.isMentioned(in: detail) { return NoSpace.words }
        return switch self {
        case .testsFailed: "tests failed"
        case .timedOut(let stage, _): "\(stage) timed out"
        case .compileFailed: "build failed"
        case .needsRoot: "build needs root"
        case .buildpack(.noMatch): "no buildpack detected the app"
        case .appTooLarge(_, let limit): "app over GANTRY_MAX_APP_MB=\(limit / 1_000_000)"
        case .diskFull(let free, let needed): "\(free / 1_000_000) MB free, \(needed / 1_000_000) MB needed"
        case .manifest(let error): error.description
        case .invalidSource(let reason): reason
        case .other(let reason): reason
        default: "build failed"
        }
    }
}
