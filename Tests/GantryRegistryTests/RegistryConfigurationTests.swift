import Foundation
import Glibc
@testable import GantryRegistry
import Testing

/// The parts without a registry: URLs, names, the auth file, challenges, error bodies.
@Suite("registry configuration")
struct RegistryConfigurationTests {
    @Test func anEndpointIsSchemeHostPortAndAnOptionalNamespace() throws {
        let plain = try RegistryEndpoint("http://127.0.0.1:5000/")
        #expect(plain.baseURL == "http://127.0.0.1:5000" && plain.namespace.isEmpty)
        #expect(try plain.repository("hello") == "hello")
        #expect(plain.reference(repository: "hello", digest: "sha256:ab") == "127.0.0.1:5000/hello@sha256:ab")
        let namespaced = try RegistryEndpoint("https://Registry.Example.com/team/apps")
        #expect(namespaced.authority == "registry.example.com" && namespaced.description == "https://registry.example.com/team/apps")
        #expect(try namespaced.repository("hello") == "team/apps/hello")
        for bad in ["127.0.0.1:5000", "ftp://host", "http://", "http://user:pw@host", "http://host/Team", "http://host?x=1"] {
            #expect(throws: RegistryError.self, "\(bad)") { try RegistryEndpoint(bad) }
        }
    }

    @Test func repositoryNamesFollowTheDistributionSpecGrammar() {
        for good in ["a", "hello", "my-app", "my--app", "a.b", "a_b", "a__b", "team/app", "x0/y-1/z"] {
            #expect(RegistryEndpoint.isRepositoryName(good), "\(good)")
        }
        for bad in ["", "-a", "a-", "a___b", "a._b", "A", "a//b", "/a", "a/", "a b", "a..b"] {
            #expect(!RegistryEndpoint.isRepositoryName(bad), "\(bad)")
        }
        #expect(RegistryClient.isTag("v12") && RegistryClient.isTag("_x.y-z") && !RegistryClient.isTag(".v1") && !RegistryClient.isTag("v/1"))
    }

    @Test(.scratchDirectory) func theAuthFileMustBeJSONThatOthersCannotRead() throws {
        let file = ScratchDirectory.path + "/auth.json"
        try #"{"username": "ci", "password": "pa55-word"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        let open = try #require(throws: RegistryError.self) { try RegistryCredentials.load(from: file) }
        #expect(open.description.contains("chmod 600") && !open.description.contains("pa55-word"), "\(open)")
        chmod(file, 0o600)
        let credentials = try RegistryCredentials.load(from: file)
        #expect(credentials.username == "ci" && credentials.password == "pa55-word")
        #expect(!"\(credentials)".contains("pa55-word"))
        #expect(credentials.basicAuthorization == "Basic " + Data("ci:pa55-word".utf8).base64EncodedString())

        try #"{"user": "ci", "pass": "pa55-word"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let wrong = try #require(throws: RegistryError.self) { try RegistryCredentials.load(from: file) }
        #expect(wrong.description.contains("username") && !wrong.description.contains("pa55-word"), "\(wrong)")
        #expect(throws: RegistryError.self) { try RegistryCredentials.load(from: ScratchDirectory.path + "/missing.json") }
    }

    @Test func bearerChallengesGiveTheRealmServiceAndScope() throws {
        let challenge = try #require(AuthenticationChallenge(
            #"Bearer realm="https://auth.example.com/token?x=1",service="registry.example.com",scope="repository:team/app:pull,push""#))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters == [
            "realm": "https://auth.example.com/token?x=1", "service": "registry.example.com", "scope": "repository:team/app:pull,push",
        ])
        let basic = try #require(AuthenticationChallenge(#"Basic realm="gantry \"test\"", charset=UTF-8"#))
        #expect(basic.scheme == "basic" && basic.parameters == ["realm": #"gantry "test""#, "charset": "UTF-8"])
        #expect(AuthenticationChallenge("   ") == nil)
    }

    @Test func registryErrorBodiesAreQuotedInTheirOwnWords() {
        let body = Array(#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:ab"},{"code":"DENIED"}]}"#.utf8)
        #expect(RegistryErrorBody.words(in: body) == "blob unknown to registry (MANIFEST_BLOB_UNKNOWN); DENIED")
        #expect(RegistryErrorBody.words(in: Array("<html>bad gateway</html>".utf8)) == "<html>bad gateway</html>")
        #expect(RegistryErrorBody.words(in: []) == nil)
    }
}
