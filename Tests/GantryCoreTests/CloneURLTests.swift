import GantryCore
import Testing

@Suite struct CloneURLTests {
    @Test func acceptsHttpHttpsGitAndFileURLs() throws {
        let https = try CloneURL("https://github.com/alice/site.git")
        #expect(https.scheme == "https" && https.host == "github.com" && https.port == nil && https.repositoryPath == "alice/site")
        let git = try CloneURL("git://127.0.0.1:9418/alice/site.git")
        #expect(git.host == "127.0.0.1" && git.port == 9418 && git.path == "/alice/site.git")
        let http = try CloneURL("HTTP://user@Git.Example.com:3000/group/sub/app")
        #expect(http.scheme == "http" && http.host == "git.example.com" && http.port == 3000 && http.repositoryPath == "group/sub/app")
        #expect(try CloneURL("file:///srv/git/site.git").path == "/srv/git/site.git")
    }

    @Test(arguments: [
        "", "github.com/alice/site.git", "ssh://git@github.com/alice/site.git", "git@github.com:alice/site.git",
        "ext::sh -c touch% /tmp/pwned", "file://host/srv/site.git", "file://", "https:///alice/site.git",
        "https://github.com:99999/a.git", "https://github.com/alice/../../etc", "https://git hub.com/a.git",
        "https://github.com/a\n.git", "-uhttps://github.com/a.git", "fd::17",
    ])
    func refusesOtherSchemesAndMalformedURLs(_ url: String) {
        #expect(throws: InvalidCloneURL.self) { try CloneURL(url) }
    }

    @Test func explainsWhatIsAccepted() {
        #expect(throws: InvalidCloneURL.self) { try CloneURL("ssh://git@host/a.git") }
        do { _ = try CloneURL("ssh://git@host/a.git") } catch {
            #expect(error.description.contains("the scheme 'ssh' is not allowed"))
            #expect(error.description.contains("http://, https://, git:// or file://"))
        }
    }
}
