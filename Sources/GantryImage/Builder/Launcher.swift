/// How a process starts in a Gantry image: bash sources the buildpacks' `/app/.profile.d/*.sh`
/// (Heroku's convention for PATH and friends), then runs the command — a Procfile line, an
/// app.json script — as the app declared it.
///
/// bash stays the container's PID 1 and runs the command as its child (the trailing
/// `exit $?` keeps bash from exec'ing it): PID 1 ignores SIGTERM unless it handles it, so
/// an app that never installs a handler (busybox httpd, a plain python script) would
/// otherwise wait out the whole stop grace period. The runtime signals every process of the
/// container, so the command gets SIGTERM as an ordinary process and ends.
public enum Launcher {
    /// The argument vector that runs `command` in an app container.
    public static func arguments(for command: String) -> [String] {
        ["/bin/bash", "-c", #"for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; "# + command + "\nexit $?"]
    }

    /// The default `PATH` of build and app containers.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
