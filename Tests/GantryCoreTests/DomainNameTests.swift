import GantryCore
import Testing

@Suite struct DomainNameTests {
    @Test(arguments: [
        ("www.example.com", "www.example.com"),
        ("WWW.Example.COM", "www.example.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("*.example.com", "*.example.com"),
        ("a-b.c0.io", "a-b.c0.io"),
    ])
    func acceptsHostNamesLowerCased(_ text: String, _ expected: String) throws {
        #expect(try DomainName(text).rawValue == expected)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("localhost", "single label"),
        ("*.com", "a wildcard needs two labels"),
        ("www.*.example.com", "'*' may only stand alone"),
        ("-www.example.com", "starts or ends with a dash"),
        ("www..example.com", "empty label"),
        ("www.example.com.", "empty label"),
        ("bücher.example", "punycode"),
        ("exa mple.com", "contains ' '"),
        ("10.0.0.1", "IP address"),
        (String(repeating: "a", count: 64) + ".com", "longer than 63"),
        (String(repeating: "a.", count: 127) + "com", "longer than 253"),
    ])
    func refusesWhatIsNotAHostNameSayingWhy(_ text: String, _ reason: String) {
        #expect {
            _ = try DomainName(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
