import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry logs APP [-f] [-n N] [--ps web.1]`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an app's logs: process output and deploy events, merged by time.",
        discussion: """
            Each line is `TIMESTAMP SOURCE: text`, SOURCE being app[web.1] for a process and \
            gantry for deploys, scaling, restarts and crashes. With --tail, new lines follow \
            as they are written until you press Ctrl-C.
            """)

    @OptionGroup var server: ServerOptions
    @Flag(name: [.customShort("f"), .customLong("tail")], help: "Keep the connection open and show new lines as they come.")
    var follow = false
    @Option(name: [.customShort("n"), .customLong("num")], help: "How many lines of history (1 to 10000; default 100).")
    var lines: Int?
    @Option(name: .customLong("ps"), help: ArgumentHelp("Only this process (web.1) or process type (web).", valueName: "process"))
    var process: String?
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
        if let lines, !(1...LogQuery.maximumLines).contains(lines) {
            throw CLIError("invalid --num \(lines): use a number from 1 to \(LogQuery.maximumLines)")
        }
        if let process, !AppProcess.isValidName(process), !Formation.isValidType(process) {
            throw CLIError("invalid --ps '\(process.prefix(40))': name a process as `gantry ps` shows it (web.1) or a type (web)")
        }
    }

    func run() async throws {
        try await server.client().logs(app: app, lines: lines, process: process, follow: follow) { bytes in
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}
