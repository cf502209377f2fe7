import ArgumentParser
import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// `gantry history APP`: the releases in a full-screen view — move, read a release's detail,
/// filter, roll back. Piped, it prints `gantry releases APP`'s table.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Browse an app's releases in the terminal and roll back to one.",
        discussion: """
            ↑/↓ or j/k move, PgUp/PgDn and g/G jump, Enter shows the release in full, / filters \
            (Esc clears), r rolls back to the selected release after a y/N question, q quits. \
            With its output not on a terminal it prints the table of `gantry releases APP`.
            """)

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
    }

    func run() async throws {
        let client = try server.client()
        guard FullScreen.isTerminal(STDOUT_FILENO) else {
            return print(try await Releases.table(app: app, client: client, server: server, limit: nil))
        }
        guard FullScreen.isTerminal(STDIN_FILENO) else {
            throw CLIError("gantry history reads keys from a terminal, and its input is not one: run it in a terminal, or use `gantry releases \(app)`")
        }
        _ = try await client.app(app)  // an unknown app is said plainly, before the screen is taken
        try await HistorySession(source: APIHistorySource(client: client, app: app), app: app).run()
    }
}

/// One run of the full-screen view: the terminal's keys and resizes and gantryd's answers
/// go through one stream into `HistoryModel`; each event redraws the screen; the model's
/// effects become requests in a task group that ends with the view.
struct HistorySession {
    /// Everything the view reacts to.
    enum Event: Sendable {
        case terminal(TerminalEvent)
        case pageLoaded(before: Int?, limit: Int, [ReleaseSummary])
        case pageFailed(before: Int?, String)
        case detailLoaded(ReleaseDetail)
        case detailFailed(Int, String)
        case rolledBack(ReleaseSummary)
        case rollbackFailed(String)
        /// Time passed: ages ("3 minutes ago") are redrawn.
        case tick
    }

    /// How often the ages are brought up to date.
    static let tickInterval = Duration.seconds(30)

    let source: any ReleaseHistorySource
    let app: String

    /// Takes over the terminal until `q`, Ctrl-C or the end of input.
    /// - Throws: `TerminalError` when the terminal cannot be put in raw mode.
    func run() async throws {
        try await FullScreen.run { screen in
            let (events, continuation) = AsyncStream<Event>.makeStream()
            let input = try TerminalInput { continuation.yield(.terminal($0)) }
            defer { input.stop() }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.tickInterval)
                        continuation.yield(.tick)
                    }
                }
                var model = HistoryModel(app: app, size: screen.size)
                var quit = perform(model.start(), in: &group, continuation)
                screen.draw(model.render(now: Date()))
                var iterator = events.makeAsyncIterator()
                while !quit, let event = await iterator.next() {
                    let effects = Self.apply(event, to: &model)
                    screen.draw(model.render(now: Date()))
                    quit = perform(effects, in: &group, continuation)
                }
                group.cancelAll()
            }
        }
    }

    /// Hands `event` to the model.
    static func apply(_ event: Event, to model: inout HistoryModel) -> [HistoryModel.Effect] {
        switch event {
        case .terminal(.key(let key)): model.press(key)
        case .terminal(.resize(let size)): model.resize(size)
        case .terminal(.endOfInput): [.quit]
        case .pageLoaded(let before, let limit, let page): model.pageLoaded(before: before, limit: limit, page)
        case .pageFailed(let before, let message): model.pageFailed(before: before, message)
        case .detailLoaded(let detail): model.detailLoaded(detail)
        case .detailFailed(let version, let message): model.detailFailed(version, message)
        case .rolledBack(let release): model.rolledBack(release)
        case .rollbackFailed(let message): model.rollbackFailed(message)
        case .tick: []
        }
    }

    /// Starts a request for each effect; its answer comes back as an event.
    /// - Returns: whether an effect was `.quit`.
    private func perform(
        _ effects: [HistoryModel.Effect], in group: inout TaskGroup<Void>, _ events: AsyncStream<Event>.Continuation
    ) -> Bool {
        let source = source
        for effect in effects {
            switch effect {
            case .quit:
                return true
            case .loadPage(let before, let limit):
                group.addTask {
                    do throws(ClientError) { events.yield(.pageLoaded(before: before, limit: limit, try await source.releases(before: before, limit: limit))) }
                    catch { events.yield(.pageFailed(before: before, error.description)) }
                }
            case .loadDetail(let version):
                group.addTask {
                    do throws(ClientError) { events.yield(.detailLoaded(try await source.detail(of: version))) }
                    catch { events.yield(.detailFailed(version, error.description)) }
                }
            case .rollback(let version):
                group.addTask {
                    do throws(ClientError) { events.yield(.rolledBack(try await source.rollback(to: version))) }
                    catch { events.yield(.rollbackFailed(error.description)) }
                }
            }
        }
        return false
    }
}
