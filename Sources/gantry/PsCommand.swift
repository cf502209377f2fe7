import ArgumentParser
import Foundation
import GantryClient

/// `gantry ps APP`: the app's processes, as Heroku lists dynos.
struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List an app's running processes.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let processes = try await server.client().processes(app: app)
        if output.json { return print(try Display.json(processes)) }
        guard !processes.isEmpty else { return print("No processes of \(app) are running; push to deploy it.") }
        let now = Date()
        print(TextTable.render(
            headers: ["PROCESS", "RELEASE", "STATE", "PORT", "UP SINCE", "RESTARTS"],
            rows: processes.map {
                [$0.name, "v\($0.release)", $0.state.rawValue, String($0.port), RelativeTime.describe($0.startedAt, relativeTo: now), String($0.restarts)]
            }))
    }
}
