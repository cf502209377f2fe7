import ArgumentParser
import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// A canary weight argument (`10` or `10%`, 1 to 99).
/// - Throws: `CanaryWeight.invalid`'s error.
func parseCanaryWeight(_ text: String) throws(CanaryInputError) -> Int {
    guard let weight = CanaryWeight.parse(text) else { throw CanaryWeight.invalid(text) }
    return weight
}

/// `gantry deploy:canary APP [vN]`: a gray release beside the live one.
struct DeployCanary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy:canary",
        abstract: "Start a canary: a release serving a share of an app's requests beside the live one.",
        discussion: """
            Makes a new release with the image of release vN and the live config (default: the \
            newest release newer than the live one, e.g. the one a rollback went back from) and \
            sends it --weight % of the requests; a client stays on \
            its side by a cookie. Any of --steps, --interval, --max-error-rate, --max-p99 or \
            --wait makes the analysis automatic: after each interval gantryd compares the canary \
            with the live release and moves it to the next step, promotes it after the last, or \
            aborts it. Without them, move it by hand with canary:weight, canary:promote and \
            canary:abort. With --wait, exits 1 when the canary was aborted (with --json too).
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The release whose image the canary runs (v12 or 12); default: the newest one newer than the live release.", valueName: "vN"))
    var version: String?
    @Option(help: ArgumentHelp("The share of requests the canary starts with, 1 to 99 (%) (default: the first step, else 10).", valueName: "percent"))
    var weight: String?
    @Option(help: ArgumentHelp("Automatic analysis: the weights it moves through (default 5,25,50,100).", valueName: "weights"))
    var steps: String?
    @Option(help: ArgumentHelp("Automatic analysis: the time between two verdicts, like 60s, 2m (default 60s).", valueName: "duration"))
    var interval: String?
    @Option(help: ArgumentHelp("Automatic analysis: the highest 5xx share of the canary's requests that passes (default 1%).", valueName: "rate"))
    var maxErrorRate: String?
    @Option(help: ArgumentHelp("Automatic analysis: the highest canary p99 latency, as a multiple of the live release's (default 1.5x).", valueName: "ratio"))
    var maxP99: String?
    @Flag(help: "Automatic analysis: wait for its verdict (promoted or aborted).")
    var wait = false

    func validate() throws {
        try validateAppName(app)
        _ = try request()
    }

    /// The request the arguments ask for.
    /// - Throws: `CLIError` with what is wrong with them.
    func request() throws(CLIError) -> CanaryRequest {
        let parsedVersion = try version.map(parseReleaseVersion)
        do throws(CanaryInputError) {
            let parsedWeight = try weight.map(parseCanaryWeight)
            let automatic = steps != nil || interval != nil || maxErrorRate != nil || maxP99 != nil || wait
            let analysis = automatic
                ? try CanaryAnalysis.parse(steps: steps, interval: interval, maxErrorRate: maxErrorRate, maxP99: maxP99)
                : nil
            return try CanaryRequest(version: parsedVersion, weight: parsedWeight, analysis: analysis, wait: wait).validated()
        } catch {
            throw CLIError(error.description)
        }
    }

    func run() async throws {
        let request = try request()
        if wait, !output.json, let analysis = request.analysis {
            print("Starting a canary of \(app) and waiting for the analysis' verdict (\(analysis.summary))…")
            fflush(nil)
        }
        let status = try await server.client().startCanary(app: app, request)
        let aborted = status.canary?.state == .aborted
        if output.json {
            print(try Display.json(status))
            if aborted { throw ExitCode.failure }
            return
        }
        guard let canary = status.canary else { return print(CanaryDisplay.noCanary(app: app)) }
        guard canary.state == .running else {
            print(CanaryDisplay.verdict(canary))
            if aborted { throw ExitCode.failure }
            return
        }
        print(CanaryDisplay.started(canary))
        if let analysis = canary.analysis { print("Analysis: \(analysis.summary)") }
        print("Watch it: gantry canary \(app)")
    }
}

/// `gantry canary APP`: the canary's two sides beside each other, refreshed on a terminal.
struct CanaryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Show an app's canary: the live release and the canary side by side.",
        discussion: """
            Requests, 5xx, error rate and p50/p95/p99 latency of each side since the canary \
            started, its analysis and its last events. On a terminal it refreshes every second \
            until the canary ends or q (or Ctrl-C) is pressed; piped or with --once it prints once.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Print once, even on a terminal.")
    var once = false
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let client = try server.client()
        let status = try await client.canary(app: app)
        if output.json { return print(try Display.json(status)) }
        guard !once, status.canary?.state == .running, FullScreen.isTerminal(STDOUT_FILENO), FullScreen.isTerminal(STDIN_FILENO) else {
            return print(CanaryDisplay.lines(status, app: app).joined(separator: "\n"))
        }
        let last = try await CanaryWatch(client: client, app: app).run(first: status)
        // The screen of the view is gone with it: what it last showed stays in the scrollback.
        print(CanaryDisplay.lines(last, app: app).joined(separator: "\n"))
    }
}

/// The refreshing view of `gantry canary` on a terminal: the status redrawn every second
/// until the canary ends (then it stays, without refreshing) or `q`, Ctrl-C or the end of input.
struct CanaryWatch {
    /// Everything the view reacts to.
    enum Event: Sendable {
        case terminal(TerminalEvent)
        case loaded(CanaryStatus)
        case failed(String)
    }

    static let refreshInterval = Duration.seconds(1)

    let client: GantryAPIClient
    let app: String

    /// Takes over the terminal until the user quits.
    /// - Returns: the last status read.
    /// - Throws: `TerminalError` when the terminal cannot be put in raw mode.
    func run(first: CanaryStatus) async throws -> CanaryStatus {
        try await FullScreen.run { screen in
            let (events, continuation) = AsyncStream<Event>.makeStream()
            let input = try TerminalInput { continuation.yield(.terminal($0)) }
            defer { input.stop() }
            return await withTaskGroup(of: Void.self) { group in
                let (client, app) = (client, app)
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.refreshInterval)
                        guard !Task.isCancelled else { break }
                        do throws(ClientError) {
                            let status = try await client.canary(app: app)
                            continuation.yield(.loaded(status))
                            if status.canary?.state != .running { break }
                        } catch {
                            continuation.yield(.failed(error.description))
                        }
                    }
                }
                var status = first
                var problem: String?
                var size = screen.size
                screen.draw(Self.frame(status, app: app, problem: problem, size: size))
                for await event in events {
                    switch event {
                    case .terminal(.key(.character("q"))), .terminal(.key(.ctrlC)), .terminal(.key(.ctrlD)), .terminal(.key(.escape)),
                        .terminal(.endOfInput):
                        group.cancelAll()
                        return status
                    case .terminal(.resize(let newSize)): size = newSize
                    case .terminal(.key): continue
                    case .loaded(let loaded): (status, problem) = (loaded, nil)
                    case .failed(let message): problem = message
                    }
                    screen.draw(Self.frame(status, app: app, problem: problem, size: size))
                }
                group.cancelAll()
                return status
            }
        }
    }

    /// The screen: `CanaryDisplay.lines` from the top, and a bottom line saying whether it
    /// still refreshes, what went wrong reading it, and how to quit.
    static func frame(_ status: CanaryStatus, app: String, problem: String?, size: TerminalSize) -> Frame {
        var frame = Frame(width: size.columns, height: size.rows)
        for (row, line) in CanaryDisplay.lines(status, app: app).prefix(max(0, frame.height - 1)).enumerated() {
            frame.put(line, row: row, column: 0, style: row == 0 ? TextStyle(bold: true) : .plain)
        }
        let running = status.canary?.state == .running
        let footer = problem.map { "could not refresh: \($0) · q quits" }
            ?? (running ? "refreshing every second · q quits" : "the canary ended · q quits")
        frame.put(footer, row: frame.height - 1, column: 0, style: problem == nil ? TextStyle(dim: true) : TextStyle(foreground: .red, bold: true))
        return frame
    }
}

/// `gantry canary:weight APP WEIGHT`.
struct CanaryWeightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary:weight",
        abstract: "Move an app's running canary to another share of its requests.",
        discussion: "From 1 to 99 (%); this stops its automatic analysis. canary:promote and canary:abort end it.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The canary's new share of requests, 1 to 99 (10 or 10%).", valueName: "weight"))
    var weight: String

    func validate() throws {
        try validateAppName(app)
        _ = try parsedWeight()
    }

    func parsedWeight() throws(CLIError) -> Int {
        do throws(CanaryInputError) { return try parseCanaryWeight(weight) } catch { throw CLIError(error.description) }
    }

    func run() async throws {
        let canary = try await server.client().setCanaryWeight(app: app, weight: try parsedWeight())
        if output.json { return print(try Display.json(canary)) }
        print(CanaryDisplay.weightChanged(canary))
    }
}

/// `gantry canary:promote APP`.
struct CanaryPromote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary:promote", abstract: "Make an app's running canary its live release (zero-downtime switch).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let release = try await server.client().promoteCanary(app: app)
        if output.json { return print(try Display.json(release)) }
        print("\(app): \(release.name) is live (promoted from canary)")
    }
}

/// `gantry canary:abort APP`.
struct CanaryAbort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary:abort", abstract: "Remove an app's running canary; the live release serves every request.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let canary = try await server.client().abortCanary(app: app)
        if output.json { return print(try Display.json(canary)) }
        print("\(app): canary v\(canary.release) aborted; v\(canary.stable) serves everything")
    }
}
