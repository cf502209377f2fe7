import GantryCore
import GantryServer
import Testing

@Suite struct GitExecCommandTests {
    @Test(arguments: [
        "git-receive-pack 'hello.git'", "git-receive-pack '/hello.git'", "git-receive-pack 'hello'", "git-receive-pack '/hello'",
        "git-receive-pack hello.git", "git receive-pack 'hello.git'", "git-receive-pack 'hello.git/'", "git-receive-pack  'hello.git' ",
    ])
    func acceptsTheFormsGitSendsForAPush(_ command: String) throws {
        #expect(try GitExecCommand.parse(command) == GitExecCommand(service: .receivePack, app: AppName("hello")))
    }

    @Test(arguments: ["git-upload-pack 'my-app.git'", "git-upload-pack '/my-app'", "git upload-pack 'my-app.git'"])
    func acceptsTheFormsGitSendsForAClone(_ command: String) throws {
        #expect(try GitExecCommand.parse(command) == GitExecCommand(service: .uploadPack, app: AppName("my-app")))
    }

    @Test(arguments: ["", "ls", "bash", "sh -c 'git-receive-pack x'", "git-upload-archive 'hello.git'", "git-receive-packx 'a'", "git status", "scp -t /tmp"])
    func refusesAnythingButReceiveAndUploadPack(_ command: String) {
        #expect(throws: GitExecCommandError.notGit(command)) { try GitExecCommand.parse(command) }
    }

    @Test(arguments: [
        "git-receive-pack '../etc.git'", "git-receive-pack 'a/b.git'", "git-receive-pack 'hello.git", "git-receive-pack 'x'\\''y'",
        "git-receive-pack ''", "git-receive-pack 'Hello.git'", "git-receive-pack '~/hello.git'", "git-receive-pack 'a.git' 'b.git'",
        "git-receive-pack '//hello.git'",
    ])
    func refusesRepositoriesThatAreNotAnAppName(_ command: String) {
        #expect {
            try GitExecCommand.parse(command)
        } throws: { error in
            guard case .invalidRepository = error as? GitExecCommandError else { return false }
            return "\(error)".contains("ssh://git@HOST:PORT/APP.git")
        }
    }
}
