import ArgumentParser
import Testing
@testable import gantry

/// The team's commands parse and check their arguments before any request.
@Suite struct TeamCommandsTests {
    /// The message `gantry` prints for `arguments` of `command`, `nil` when they parse.
    static func failure<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> String? {
        do {
            _ = try command.parse(arguments)
            return nil
        } catch {
            return command.message(for: error)
        }
    }

    @Test func usersAddDefaultsToMemberAndChecksNameAndRole() throws {
        #expect(try UsersAdd.parse(["alice"]).role == "member")
        #expect(try UsersAdd.parse(["alice", "--role", "admin", "--json"]).output.json)
        #expect(Self.failure(UsersAdd.self, ["alice", "--role", "boss"]) == "invalid --role: invalid role 'boss'; use one of: admin, member")
        #expect(Self.failure(UsersAdd.self, ["Alice"])?.hasPrefix("invalid user name 'Alice': it contains an uppercase letter") == true)
    }

    @Test func usersRemoveWantsTheNameTwice() throws {
        #expect(Self.failure(UsersRemove.self, ["alice"])?.contains("run `gantry users:remove alice --confirm alice`") == true)
        #expect(Self.failure(UsersRemove.self, ["alice", "--confirm", "bob"]) != nil)
        #expect(try UsersRemove.parse(["alice", "--confirm", "alice"]).name == "alice")
    }

    @Test func accessAddDefaultsToDeployAndChecksEveryName() throws {
        #expect(try AccessAdd.parse(["blog", "bob"]).role == "deploy")
        #expect(Self.failure(AccessAdd.self, ["blog", "bob", "--role", "admin"]) == "invalid --role: invalid role 'admin'; use one of: read, deploy, owner")
        #expect(Self.failure(AccessAdd.self, ["Blog", "bob"])?.hasPrefix("invalid app name 'Blog'") == true)
        #expect(Self.failure(AccessRemove.self, ["blog", "-bob"]) != nil)
        #expect(Self.failure(AccessRemove.self, ["blog", "bob_"])?.hasPrefix("invalid user name 'bob_'") == true)
    }

    @Test func tokensCreateParsesAppsAndLifetime() throws {
        let create = try TokensCreate.parse(["--name", "ci", "--app", "blog", "--app", "shop", "--read-only", "--expires", "90d"])
        #expect(create.apps == ["blog", "shop"] && create.readOnly && create.name == "ci" && create.expires == "90d")
        #expect(Self.failure(TokensCreate.self, ["--expires", "3 months"])?.hasPrefix("invalid --expires: invalid lifetime '3 months'") == true)
        #expect(Self.failure(TokensCreate.self, ["--app", "Blog"])?.hasPrefix("invalid app name 'Blog'") == true)
        #expect(Self.failure(TokensRevoke.self, ["0"]) == "invalid token id 0: `gantry tokens` lists the ids")
        #expect(Self.failure(TokensRevoke.self, ["laptop"]) != nil)
    }

    @Test func auditChecksItsFiltersAndNamesTheNextPage() throws {
        #expect(Self.failure(Audit.self, ["--limit", "0"]) == "invalid --limit 0: use a number from 1 to 1000")
        #expect(Self.failure(Audit.self, ["--before", "-1"]) != nil)
        #expect(Self.failure(Audit.self, ["--user", "Eve"]) != nil)
        #expect(try Audit.parse([]).nextPageCommand(before: 41) == "gantry audit --before 41")
        #expect(try Audit.parse(["--app", "blog", "--user", "bob", "--limit", "20", "--before", "99"]).nextPageCommand(before: 80)
            == "gantry audit --app blog --user bob --limit 20 --before 80")
    }

    @Test func keysAddTakesAUser() throws {
        #expect(try KeysAdd.parse(["bob-laptop", "id.pub", "--user", "bob"]).user == "bob")
        #expect(Self.failure(KeysAdd.self, ["bob-laptop", "id.pub", "--user", "Bob"]) != nil)
    }

    @Test func theTeamGroupListsEveryCommand() {
        let team = GantryCLI.configuration.groupedSubcommands.first { $0.name == "Team" }
        #expect(team?.subcommands.compactMap { $0.configuration.commandName } == [
            "whoami", "users", "users:add", "users:remove", "access", "access:add", "access:remove",
            "tokens", "tokens:create", "tokens:revoke", "audit",
        ])
    }
}
