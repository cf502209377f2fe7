/// How a process starts in a Gantry image: bash sources the buildpacks' `/app/.profile.d/*.sh`
/// (Heroku's convention for PATH and friends), then runs the command — a Procfile line, an
/// app.json script — as the app declared it.
public enum Launcher {
    /// The argument vector that runs `command` in an app container.
    public static func arguments(for command: String) -> [String] {
        ["/bin/bash", "-c", #"for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; "# + command]
    }

    /// The default `PATH` of build and app containers.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
