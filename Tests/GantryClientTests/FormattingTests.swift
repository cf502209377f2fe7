import Foundation
import GantryCore
import Testing
import GantryClient

@Suite("Formatting")
struct FormattingTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static let relativeCases: [(secondsAgo: Double, expected: String)] = [
        (0, "just now"), (4, "just now"), (42, "42 seconds ago"), (60, "1 minute ago"),
        (179, "2 minutes ago"), (180, "3 minutes ago"), (3_600, "1 hour ago"), (7_259, "2 hours ago"),
        (86_400, "1 day ago"), (172_800, "2 days ago"), (3_888_000, "1 month ago"),
        (69_120_000, "2 years ago"), (-180, "in 3 minutes"),
    ]

    @Test(arguments: relativeCases)
    func relativeTimeUsesTheLargestWholeUnit(secondsAgo: Double, expected: String) {
        #expect(RelativeTime.describe(Self.now - secondsAgo, relativeTo: Self.now) == expected)
    }

    @Test func tableAlignsColumnsAndLeavesNoTrailingSpaces() {
        let table = TextTable.render(
            headers: ["ID", "STATUS", "REF"],
            rows: [["12", "succeeded", "main"], ["9", "test_failed", "feature/x"]])
        #expect(table == """
            ID  STATUS       REF
            12  succeeded    main
            9   test_failed  feature/x
            """)
    }

    @Test func fieldsAlignValues() {
        #expect(TextTable.fields([("Name", "blog"), ("Created", "now")]) == "Name:    blog\nCreated: now")
    }

    @Test func commitRangeShowsShortIDsAndOmitsTheZeroID() throws {
        let old = try ObjectID(String(repeating: "a", count: 40))
        let new = try ObjectID("1234567" + String(repeating: "f", count: 33))
        #expect(Display.commitRange(old: old, new: new) == "aaaaaaa..1234567")
        #expect(Display.commitRange(old: .zero, new: new) == "1234567")
    }

    @Test func refShowsBranchNames() throws {
        #expect(Display.ref(try RefName("refs/heads/main")) == "main")
        #expect(Display.ref(try RefName("refs/tags/v1")) == "refs/tags/v1")
    }

    @Test func timestampIsISO8601WithRelativeTime() {
        #expect(Display.timestamp(Self.now - 180, relativeTo: Self.now) == "2023-11-14T22:10:20Z (3 minutes ago)")
    }

    @Test func jsonIsPrettySortedWithUnescapedSlashes() throws {
        let build = Build(
            id: 1, app: try AppName("blog"), ref: try RefName("refs/heads/main"), oldCommit: .zero,
            newCommit: .zero, status: .received, createdAt: Self.now)
        let json = try Display.json(build)
        #expect(json.contains(#""ref" : "refs/heads/main""#))
        #expect(json.contains(#""createdAt" : "2023-11-14T22:13:20Z""#))
        let keys = json.split(separator: "\n").compactMap { line in
            line.split(separator: "\"").dropFirst().first.map(String.init)
        }
        #expect(keys == keys.sorted())
    }
}
