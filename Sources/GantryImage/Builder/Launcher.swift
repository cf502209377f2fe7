import Foundation
import GantryCore

/// How a process starts in a Gantry image: bash sources the buildpacks' `/app/.profile.d/*.sh`
/// (Heroku's convention for PATH and friends), then runs the command — a Procfile line, an
/// app.json script — as the app declared it.
public enum Launcher {
    /// The argument vector that runs `command` to completion (tests): bash stays the
    /// container's PID 1 and runs the command as its child (the trailing `exit $?` keeps bash
    /// from exec'ing it), so it is an ordinary process for signals.
    public static func arguments(for command: String) -> [String] {
        ["/bin/bash", "-c", profile + command + "\nexit $?"]
    }

    /// The argument vector of an app process, with `initMount`: Debian's dumb-init is PID 1
    /// (it forwards SIGTERM to the process group — a PID 1 without a handler would ignore it —
    /// and reaps orphans, as `docker run --init` does); bash sources the profile, then execs a
    /// bash for the command, which in turn execs a simple command: what stays beside the app is
    /// dumb-init (some 200 KiB, asleep until a signal comes: tini, measured, wakes every second),
    /// not a bash (3 MB) per process. Without dumb-init on the host: as `arguments(for:)`.
    public static func processArguments(for command: String) -> [String] {
        guard initMount != nil else { return arguments(for: command) }
        return [initPath, "--"] + execArguments(for: command)
    }

    /// The argument vector of an app process under a runtime's own init or none (Docker's
    /// `Init`, a Kubernetes pod of the release's registry image): bash sources the profile, then
    /// execs a bash for the command, whose own process gets SIGTERM.
    public static func execArguments(for command: String) -> [String] {
        ["/bin/bash", "-c", profile + #"exec /bin/bash -c "$0""#, command]
    }

    /// dumb-init, read-only, for `processArguments` (it needs only the C library, which every
    /// stack has); `nil` when the host has none (`make setup` installs Debian's `dumb-init`).
    public static let initMount: Mount? =
        FileManager.default.isExecutableFile(atPath: hostInit) ? Mount(source: hostInit, destination: initPath) : nil

    static let hostInit = "/usr/bin/dumb-init"

    /// In a directory every stack has, so runc need not create one (gantryd's umask would make it 0700).
    static let initPath = "/usr/sbin/gantry-init"

    private static let profile = #"for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; "#

    /// The default `PATH` of build and app containers.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
