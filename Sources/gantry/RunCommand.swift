import ArgumentParser
import Dispatch
import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// `gantry run APP -- COMMAND [ARGS…]`: a one-off process of the app's live release, as
/// `heroku run`.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a new container of an app's live release.",
        discussion: """
            The command runs with the release's code, config vars and limits, and gantry exits \
            with its exit status. Input and output are attached; when this terminal is one, \
            the command gets a terminal too (`gantry run APP bash` is interactive: Ctrl-C goes \
            to the command, resizes follow). With --detach it runs in the background as run.N \
            (`gantry ps`, `gantry logs --ps run.N`). The container is removed when the command \
            ends, times out, or gantry disconnects. Needs deploy access to the app.
            """)

    @OptionGroup var server: ServerOptions
    @Flag(name: [.short, .long], help: "Run in the background; its output goes to the app's log as run.N.")
    var detach = false
    @Option(help: ArgumentHelp("Stop the command after this long: 30s, 15m, 2h (default 1h, at most 1d).", valueName: "duration"))
    var timeout = "1h"
    @Argument(help: "The app's name.")
    var app: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after `--`).")
    var command: [String] = []

    func validate() throws {
        try validateAppName(app)
        guard !arguments.isEmpty else { throw CLIError("name a command to run, such as `gantry run \(app) -- bash`") }
        guard let seconds = try? TokenLifetime(parsing: timeout).seconds, seconds <= RunRequest.maximumTimeout else {
            throw CLIError("invalid --timeout '\(timeout)': write a number and a unit, such as 30s, 15m or 2h (at most 24h)")
        }
        _ = seconds
    }

    /// The command without the `--` that separates it.
    var arguments: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func run() async throws {
        let client = try server.client()
        let tty = !detach && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let size = tty ? (TerminalSize.of(STDOUT_FILENO) ?? TerminalSize.of(STDIN_FILENO)).map { WindowSize(columns: $0.columns, rows: $0.rows) } : nil
        let request = RunRequest(
            command: arguments, tty: tty, size: size, detach: detach, timeoutSeconds: try TokenLifetime(parsing: timeout).seconds)
        let response = try await client.run(app: app, request)
        guard let path = response.attach else {
            return print("Running \(arguments[0]) as \(response.process ?? "a one-off process") in the background; see `gantry logs \(app) --ps \(response.process ?? "run")`.")
        }
        let input = Self.localInput(tty: tty)
        let outcome = try await RawTerminal.run(input: tty ? STDIN_FILENO : -1) {
            try await client.attach(path, input: input) { output in
                switch output {
                case .stdout(let bytes): Self.write(STDOUT_FILENO, bytes)
                case .stderr(let bytes): Self.write(STDERR_FILENO, bytes)
                }
            }
        }
        if !outcome.message.isEmpty { Terminal.error(outcome.message) }
        if outcome.status != 0 { throw ExitCode(outcome.status) }
    }

    /// This process's input as `AttachedInput`: read on a thread of its own (a blocking read
    /// must not hold the concurrency pool), then its end; with a terminal, its size after each
    /// SIGWINCH.
    static func localInput(tty: Bool) -> AsyncStream<AttachedInput> {
        // A few chunks at most ahead of the WebSocket: a large piped input is read as it is sent.
        let (stream, continuation) = AsyncStream.makeStream(of: AttachedInput.self, bufferingPolicy: .bufferingOldest(16))
        Thread {
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count > 0 {
                    let chunk = AttachedInput.data(Array(buffer[0..<count]))
                    while case .dropped = continuation.yield(chunk) { usleep(10_000) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    while case .dropped = continuation.yield(.endOfInput) { usleep(10_000) }
                    return
                }
            }
        }.start()
        if tty {
            signal(SIGWINCH, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGWINCH)
            source.setEventHandler {
                if let size = TerminalSize.of(STDOUT_FILENO) ?? TerminalSize.of(STDIN_FILENO) {
                    continuation.yield(.resize(WindowSize(columns: size.columns, rows: size.rows)))
                }
            }
            source.resume()
            resizeWatch = source  // for the rest of the process
        }
        return stream
    }

    /// The SIGWINCH source of an attached run with a terminal.
    nonisolated(unsafe) static var resizeWatch: (any DispatchSourceSignal)?

    /// Writes all of `bytes` to `fd`.
    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if count > 0 { offset += count } else if errno != EINTR { return }
        }
    }
}
