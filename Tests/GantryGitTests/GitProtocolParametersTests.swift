import GantryGit
import Testing

@Suite struct GitProtocolParametersTests {
    @Test(arguments: [("version=2", 2), ("version=1", 1), ("version=2:object-format=sha1", 2), ("agent=git-2.39:version=2", 2), ("flag", 0)])
    func acceptsColonSeparatedParametersOfASafeCharset(_ header: String, _ version: Int) throws {
        let parameters = try #require(GitProtocolParameters(header: header))
        #expect(parameters.value == header && parameters.version == version)
    }

    @Test(arguments: [
        "", "version=2;rm -rf /", "version=2\nX-Evil: 1", "version=$(id)", "version=2::", ":version=2", "version=", "=2",
        "version=2 extra", "version=2\0", "versión=2", String(repeating: "a", count: 257),
    ])
    func refusesAnythingElse(_ header: String) {
        #expect(GitProtocolParameters(header: header) == nil)
    }
}
