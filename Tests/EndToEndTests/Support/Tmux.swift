import Foundation

/// A private tmux server (its own socket in a scratch directory, no config file) whose panes
/// are real terminals for programs under test: `send-keys` types, `capture-pane` reads the
/// screen. Made and killed by `withTmux`.
struct Tmux: Sendable {
    let executable: String
    let socket: String

    /// Runs `tmux -S SOCKET ARGUMENTS`.
    ///
    /// Not through `Process`: the tmux client that starts the server forks it, and the server
    /// would inherit the descriptor by which Foundation learns that its child exited, so
    /// Foundation would wait for the server instead. `DetachedSpawn` closes every descriptor
    /// above stderr in the child.
    /// - Throws: `FixtureFailure` when tmux fails or hangs.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        let command = [executable, "-u", "-S", socket, "-f", "/dev/null"] + arguments
        let output = try await DetachedSpawn.run(command, timeout: .seconds(20))
        guard output.succeeded else { throw FixtureFailure("tmux failed: \(output)") }
        return output.stdout
    }

    /// A detached session `name` of `columns` × `rows` running `command` (an argument array,
    /// no shell) with `environment` added.
    func newSession(_ name: String, columns: Int = 80, rows: Int = 24, environment: [String: String], command: [String]) async throws {
        let variables = environment.sorted { $0.key < $1.key }.flatMap { ["-e", "\($0.key)=\($0.value)"] }
        try await run(["new-session", "-d", "-s", name, "-x", String(columns), "-y", String(rows)] + variables + command)
    }

    /// Types `keys` (tmux key names such as `j`, `Enter`, `Escape`) into `session`.
    func send(_ session: String, _ keys: String...) async throws {
        try await run(["send-keys", "-t", session] + keys)
    }

    /// What `session`'s pane shows now, one line per row.
    func screen(_ session: String) async throws -> String {
        try await run(["capture-pane", "-p", "-t", session])
    }

    /// A tmux format (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`) for `session`'s pane.
    func format(_ session: String, _ format: String) async throws -> String {
        try await run(["display-message", "-p", "-t", session, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits up to `timeout` until `session`'s screen satisfies `condition`.
    /// - Returns: that screen.
    /// - Throws: `FixtureFailure` with the last screen when it never does.
    @discardableResult
    func waitForScreen(
        _ session: String, _ what: String, timeout: Duration = .seconds(20), _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await screen(session)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureFailure("\(what) did not show within \(timeout); the screen:\n\(last)")
    }

    /// Waits until `session`'s screen contains every one of `texts`.
    @discardableResult
    func waitFor(_ session: String, _ texts: String..., timeout: Duration = .seconds(20)) async throws -> String {
        try await waitForScreen(session, texts.map { "'\($0)'" }.joined(separator: " and "), timeout: timeout) { screen in
            texts.allSatisfy { screen.contains($0) }
        }
    }
}

/// Starts a tmux server in `directory`, runs `body` with it, and kills the server and
/// everything in its panes whether `body` returned or threw.
/// - Throws: `FixtureFailure` when tmux is not installed; what `body` throws.
func withTmux<Value>(in directory: String, _ body: (Tmux) async throws -> Value) async throws -> Value {
    let tmux = Tmux(executable: try ChildProcess.find("tmux"), socket: directory + "/tmux.sock")
    do {
        let value = try await body(tmux)
        _ = try? await tmux.run(["kill-server"])
        return value
    } catch {
        _ = try? await tmux.run(["kill-server"])
        throw error
    }
}

/// The ids of the processes whose parent is `parent`, read from /proc.
func childProcesses(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        // /proc/PID/stat: "PID (COMM) STATE PPID …"; COMM may hold spaces and parentheses.
        let stat = ChildProcess.read("/proc/\(pid)/stat", limit: 4096)
        guard let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == parent
    }
}
