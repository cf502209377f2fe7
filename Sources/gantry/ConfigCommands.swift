import ArgumentParser
import GantryClient
import GantryCore

/// `gantry config APP`: every config var of an app.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show an app's config vars.",
        discussion: "With read access only (or a read-only token), the keys are listed and the values hidden (null in --json).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Print KEY=value lines a POSIX shell can eval (values quoted when needed).")
    var shell = false
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
        guard !(output.json && shell) else { throw CLIError("--json and --shell cannot be combined; choose one") }
    }

    func run() async throws {
        let client = try server.client()
        let vars = try await client.configVars(app: app)
        if output.json { return print(try Display.json(vars)) }
        if shell {
            let config = vars.compactMapValues { $0 }
            guard config.count == vars.count else { throw await Self.hiddenValues(app: app, client: client) }
            if !config.isEmpty { print(ConfigDisplay.shell(config)) }
            return
        }
        guard !vars.isEmpty else { return print("\(app) has no config vars; set one with `gantry config:set \(app) KEY=value`.") }
        print(ConfigDisplay.table(app: app, vars: vars))
    }

    /// The error for values gantryd hid: who the caller is and what would show them.
    static func hiddenValues(app: String, client: GantryAPIClient) async -> CLIError {
        guard let me = try? await client.whoami() else {
            return CLIError("config values of \(app) need deploy access; this token has read access only")
        }
        if let token = me.token, token.readOnly {
            return CLIError(
                "token '\(Display.printable(token.name))' (#\(token.id)) of '\(me.user.name)' is read-only; config values need deploy access: use a token that is not read-only")
        }
        return CLIError(
            "'\(me.user.name)' has read access to \(app); config values need deploy access (an owner can give it: `gantry access:add \(app) \(me.user.name) --role deploy`)")
    }
}

/// `gantry config:get APP KEY`: one value, raw.
struct ConfigGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config:get",
        abstract: "Print the value of one config var.",
        discussion: "Prints the value as stored, followed by a newline. Exits with status 1 when the var is not set.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The var's key, such as DATABASE_URL.")
    var key: String

    func validate() throws {
        try validateAppName(app)
        try validateConfigKey(key)
    }

    func run() async throws {
        let client = try server.client()
        guard let entry = try await client.configVars(app: app)[key] else {
            throw CLIError("\(app) has no config var \(key); `gantry config \(app)` lists them")
        }
        guard let value = entry else { throw await Config.hiddenValues(app: app, client: client) }
        print(value)
    }
}

/// `gantry config:set APP KEY=value…`.
struct ConfigSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config:set",
        abstract: "Set one or more config vars.",
        discussion: """
            Each argument is KEY=value, split at the first '=' (A=b=c sets A to 'b=c'; A= sets \
            A to the empty string). All vars are set together, or none is. The change is a new \
            release of the live image with the new config, deployed with zero downtime (values \
            never appear in its description: keys only). Builds get the vars in ENV_DIR and \
            tests as environment variables.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var deploy: DeployOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp(
        "The vars to set: letters, digits and _ for keys; quote values with spaces (KEY='two words').",
        valueName: "KEY=value"))
    var assignments: [String]

    func validate() throws {
        try validateAppName(app)
        _ = try parsedAssignments()
    }

    func run() async throws {
        let vars = try parsedAssignments()
        let result = try await server.client().changeConfig(app: app, set: vars, deploy: !deploy.noDeploy)
        print("Set \(vars.keys.sorted().joined(separator: ", ")) on \(app).\(DeployOptions.outcome(result, app: app))")
    }

    private func parsedAssignments() throws(CLIError) -> [String: String] {
        do { return try ConfigAssignment.parse(assignments) } catch { throw CLIError(error.description) }
    }
}

/// `gantry config:unset APP KEY…`.
struct ConfigUnset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config:unset",
        abstract: "Unset one or more config vars.",
        discussion: "All keys are unset together. A key that is not set is ignored. Like config:set, the change is a new release, deployed.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var deploy: DeployOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The keys of the vars to unset.", valueName: "KEY"))
    var keys: [String]

    func validate() throws {
        try validateAppName(app)
        for key in keys { try validateConfigKey(key) }
    }

    func run() async throws {
        let unset = Array(Set(keys)).sorted()
        let result = try await server.client().changeConfig(app: app, unset: unset, deploy: !deploy.noDeploy)
        print("Unset \(unset.joined(separator: ", ")) on \(app).\(DeployOptions.outcome(result, app: app))")
    }
}

/// Checks a config key argument the way gantryd will, before any request.
/// - Throws: `CLIError` with `InvalidConfigKey`'s one-line explanation.
func validateConfigKey(_ key: String) throws {
    do { _ = try ConfigKey(key) } catch { throw CLIError(error.description) }
}

/// `--no-deploy` of the commands that change config.
struct DeployOptions: ParsableArguments {
    @Flag(help: "Record the change without a new release; the next deploy uses it.")
    var noDeploy = false

    /// ` Released and deployed v13.`, or what happens instead.
    static func outcome(_ result: ConfigChangeResult, app: String) -> String {
        if let release = result.release {
            return " Released and deployed \(release.name)." + (ReleaseDisplay.releasePhaseReport(release).map { "\n" + $0 } ?? "")
        }
        return " No release made: the next deploy of \(app) uses it."
    }
}
