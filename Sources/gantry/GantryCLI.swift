import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// The `gantry` command: talks to gantryd's REST API.
@main
struct GantryCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "Create apps on a Gantry server and follow what git push built.",
        discussion: """
            Start with `gantry login`, then `gantry apps:create NAME` and push to the git \
            remote it prints. Exit status: 0 ok, 1 user error, 2 server unreachable or failing.
            """,
        version: Gantry.version,
        subcommands: [GitCredentialHelper.self],
        groupedSubcommands: [
            CommandGroup(name: "Apps", subcommands: [Apps.self, AppsCreate.self, AppsInfo.self, AppsDestroy.self]),
            CommandGroup(name: "Domains", subcommands: [Domains.self, DomainsAdd.self, DomainsRemove.self, Certs.self, CertsAdd.self, CertsRemove.self]),
            CommandGroup(name: "Processes", subcommands: [
                Ps.self, PsScale.self, PsRestart.self, Logs.self, Run.self, MaintenanceStatus.self, MaintenanceOn.self, MaintenanceOff.self,
            ]),
            CommandGroup(name: "Builds", subcommands: [Builds.self, BuildsInfo.self]),
            CommandGroup(name: "Config", subcommands: [Config.self, ConfigGet.self, ConfigSet.self, ConfigUnset.self]),
            CommandGroup(name: "Releases", subcommands: [Releases.self, ReleasesInfo.self, Rollback.self, History.self, Export.self]),
            CommandGroup(name: "Canary", subcommands: [
                DeployCanary.self, CanaryStatusCommand.self, CanaryWeightCommand.self, CanaryPromote.self, CanaryAbort.self,
            ]),
            CommandGroup(name: "SSH keys", subcommands: [Keys.self, KeysAdd.self, KeysRemove.self]),
            CommandGroup(name: "Webhooks", subcommands: [Webhooks.self, WebhooksAdd.self, WebhooksRemove.self, WebhooksDeliveries.self]),
            CommandGroup(name: "Team", subcommands: [
                Whoami.self, Users.self, UsersAdd.self, UsersRemove.self, Access.self, AccessAdd.self, AccessRemove.self,
                Tokens.self, TokensCreate.self, TokensRevoke.self, Audit.self,
            ]),
            CommandGroup(name: "Setup", subcommands: [Login.self, Init.self, GarbageCollect.self]),
        ]
    )

    /// Parses, runs, and turns every failure into one `gantry: ` line and an exit status.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
        leave(0)
    }

    /// Ends the process once its output is flushed, without `exit`'s teardown: libcurl's last
    /// clean-up can still run on another thread when a command returns, and OpenSSL's `atexit`
    /// handler freeing the same state beside it aborted `gantry users:add` once ("double free
    /// or corruption") after it had printed its answer. The terminal is restored before this.
    private static func leave(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }

    private static func fail(_ error: any Error) -> Never {
        switch error {
        case let error as ClientError:
            Terminal.error(error.description)
            leave(error.exitCode)
        case let error as CLIError:
            Terminal.error(error.message)
            leave(error.exitCode)
        case let error as TokenStoreError:
            Terminal.error(error.description)
            leave(ExitCode.failure.rawValue)
        case let error as ExitCode:
            leave(error.rawValue)
        default:
            switch exitCode(for: error) {
            case .success:
                // Help, --version and other clean exits print as ArgumentParser means them to.
                exit(withError: error)
            case .validationFailure:
                // ArgumentParser's own parse errors ("Missing expected argument …"): add where to look.
                Terminal.error("\(message(for: error)); see `\(helpCommand())`")
            default:
                // A `CLIError` thrown by a `validate()`, wrapped by ArgumentParser: its message is complete.
                Terminal.error(message(for: error))
            }
            exit(withError: ExitCode.failure)
        }
    }

    /// `gantry SUBCOMMAND --help` for the subcommand on the command line, else `gantry --help`.
    private static func helpCommand() -> String {
        let names = (configuration.subcommands + configuration.groupedSubcommands.flatMap(\.subcommands))
            .compactMap { $0.configuration.commandName }
        if let word = CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") }), names.contains(word) {
            return "gantry \(word) --help"
        }
        return "gantry --help"
    }
}
