import Foundation
import GantryCore
import Testing
@testable import GantryClient

@Suite("Team, token and audit display")
struct TeamDisplayTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func token(
        _ id: Int64, _ name: String, user: String = "alice", apps: [String]? = nil, readOnly: Bool = false, createdDaysAgo: Double = 10,
        lastUsedMinutesAgo: Double? = nil, expiresInDays: Double? = nil, revoked: Bool = false
    ) -> APIToken {
        APIToken(
            id: id, name: name, user: try! UserName(user), apps: apps.map { $0.map { try! AppName($0) } }, readOnly: readOnly,
            createdAt: now - createdDaysAgo * 86_400, expiresAt: expiresInDays.map { now + $0 * 86_400 },
            lastUsedAt: lastUsedMinutesAgo.map { now - $0 * 60 }, revokedAt: revoked ? now - 60 : nil)
    }

    static func event(_ id: Int64, user: String? = "alice", peer: String? = "10.0.0.5", action: String = "config:set", app: String? = "blog",
                      detail: String? = "set DEBUG", outcome: String = "ok") -> AuditEvent {
        AuditEvent(
            id: id, at: now - Double(id), user: user, credential: "token laptop (#3)", peer: peer, action: action, app: app, detail: detail,
            outcome: outcome)
    }

    // MARK: Tokens

    @Test func statusIsRevokedThenExpiredThenActive() {
        #expect(TokenDisplay.status(Self.token(1, "a"), at: Self.now) == .active)
        #expect(TokenDisplay.status(Self.token(1, "a", expiresInDays: 1), at: Self.now) == .active)
        #expect(TokenDisplay.status(Self.token(1, "a", expiresInDays: -1), at: Self.now) == .expired)
        #expect(TokenDisplay.status(Self.token(1, "a", expiresInDays: 0), at: Self.now) == .expired)
        #expect(TokenDisplay.status(Self.token(1, "a", revoked: true), at: Self.now) == .revoked)
        #expect(TokenDisplay.status(Self.token(1, "a", expiresInDays: -1, revoked: true), at: Self.now) == .revoked)
    }

    @Test func tokenTableShowsScopeAccessTimesAndStatus() {
        let tokens = [
            Self.token(1, "alice"),
            Self.token(4, "ci", apps: ["blog", "shop"], readOnly: true, createdDaysAgo: 2, lastUsedMinutesAgo: 3, expiresInDays: 88),
            Self.token(7, "old-laptop", createdDaysAgo: 400, expiresInDays: -30),
            Self.token(9, "leaked", lastUsedMinutesAgo: 60, revoked: true),
        ]
        #expect(TokenDisplay.table(tokens, relativeTo: Self.now) == """
            ID  NAME        APPS        ACCESS     CREATED      LAST-USED      EXPIRES      STATUS
            1   alice       all         full       10 days ago  never          never        active
            4   ci          blog, shop  read-only  2 days ago   3 minutes ago  in 2 months  active
            7   old-laptop  all         full       1 year ago   never          1 month ago  expired
            9   leaked      all         full       10 days ago  1 hour ago     never        revoked
            """)
    }

    @Test func everyUsersTokensHaveAUserColumn() {
        let table = TokenDisplay.table([Self.token(1, "laptop"), Self.token(2, "ci", user: "bob")], showUser: true, relativeTo: Self.now)
        #expect(table.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == [
            "ID NAME USER", "1 laptop alice", "2 ci bob",
        ])
    }

    @Test func aCreatedTokenIsShownOnceWithItsScope() {
        let created = CreatedToken(token: "gty_s3cret", info: Self.token(4, "ci", apps: ["blog"], readOnly: true, createdDaysAgo: 0, expiresInDays: 90))
        let text = TokenDisplay.created(created, relativeTo: Self.now)
        #expect(text.hasPrefix("Created token ci (#4): apps blog, read-only, expires in 3 months (2024-02-12T22:13:20Z). It is shown only this once:"))
        #expect(text.components(separatedBy: "gty_s3cret").count == 2)
        #expect(TokenDisplay.summary(Self.token(1, "laptop"), relativeTo: Self.now) == "laptop (#1): all apps, full, never expires")
    }

    // MARK: Users and access

    @Test func whoamiIsOneLineUnlessTheTokenIsNarrowed() {
        let alice = User(name: try! UserName("alice"), role: .member, createdAt: Self.now)
        #expect(TeamDisplay.whoami(WhoAmI(user: alice, token: Self.token(1, "alice")), relativeTo: Self.now) == "alice (member)")
        #expect(TeamDisplay.whoami(WhoAmI(user: alice, token: nil), relativeTo: Self.now) == "alice (member)")
        let narrowed = Self.token(7, "ci", apps: ["blog"], readOnly: true, expiresInDays: 3)
        #expect(TeamDisplay.whoami(WhoAmI(user: alice, token: narrowed), relativeTo: Self.now) == """
            alice (member)
            Token:   ci (#7)
            Apps:    blog
            Access:  read-only
            Expires: 2023-11-17T22:13:20Z (in 3 days)
            """)
    }

    @Test func accessListsOwnersFirstThenByName() {
        let access = [
            AppAccess(user: try! UserName("zoe"), role: .read, createdAt: Self.now - 60),
            AppAccess(user: try! UserName("bob"), role: .deploy, createdAt: Self.now - 3_600),
            AppAccess(user: try! UserName("carol"), role: .owner, createdAt: Self.now - 86_400),
            AppAccess(user: try! UserName("alice"), role: .owner, createdAt: Self.now - 86_400),
        ]
        #expect(TeamDisplay.access(access, relativeTo: Self.now) == """
            USER   ROLE    SINCE
            alice  owner   1 day ago
            carol  owner   1 day ago
            bob    deploy  1 hour ago
            zoe    read    1 minute ago
            """)
    }

    @Test func aNewUsersTokenIsPrintedOnceWithHowToLogIn() {
        let created = CreatedUser(name: try! UserName("alice"), role: .member, token: "gty_first")
        let text = TeamDisplay.created(created, server: "http://gantry.local:8080")
        #expect(text.components(separatedBy: "gty_first").count == 2)
        #expect(text.contains("Hand it to alice privately; they log in with `gantry login --server http://gantry.local:8080 --token TOKEN`."))
        #expect(text.contains("gantry access:add APP alice"))
        #expect(!TeamDisplay.created(CreatedUser(name: created.name, role: .admin, token: "t"), server: "s").contains("access:add"))
    }

    // MARK: Audit

    @Test func auditTableHasOneRowPerEventAndDashesForNothing() {
        let events = [
            Self.event(12),
            Self.event(11, user: nil, peer: nil, action: "login", app: nil, detail: nil, outcome: "denied: unknown token"),
        ]
        #expect(AuditDisplay.table(events) == """
            ID  TIME                  USER   FROM      ACTION      APP   DETAIL     OUTCOME
            12  2023-11-14T22:13:08Z  alice  10.0.0.5  config:set  blog  set DEBUG  ok
            11  2023-11-14T22:13:09Z  -      -         login       -     -          denied: unknown token
            """)
    }

    @Test func auditFieldsCannotDriveTheTerminalOrForgeLines() {
        let hostile = Self.event(
            5, user: "eve\u{1b}[2J", peer: "1.2.3.4\r\n99  2023  admin", action: "push\u{7}", app: "blog\u{202e}gol",
            detail: "ref refs/heads/\u{9b}31m\u{0}x\u{2028}y\u{200b}", outcome: "rejected: \u{1b}]0;pwned\u{7}")
        let table = AuditDisplay.table([hostile])
        #expect(table.split(separator: "\n", omittingEmptySubsequences: false).count == 2)
        #expect(table.unicodeScalars.allSatisfy { $0 == "\n" || !($0.properties.generalCategory == .control || $0.properties.generalCategory == .format) })
        let row = AuditDisplay.row(hostile)
        #expect(row[2] == #"eve\u{1B}[2J"#)
        #expect(row[3] == #"1.2.3.4\r\n99  2023  admin"#)
        #expect(row[4] == #"push\u{07}"#)
        #expect(row[5] == #"blog\u{202E}gol"#)
        #expect(row[6] == #"ref refs/heads/\u{009B}31m\0x\u{2028}y\u{200B}"#)
        #expect(row[7] == #"rejected: \u{1B}]0;pwned\u{07}"#)
    }

    @Test func longAuditFieldsAreShortened() {
        let row = AuditDisplay.row(Self.event(1, detail: String(repeating: "k", count: 500)))
        #expect(row[6].count == 60 && row[6].hasSuffix("…"))
    }

    @Test func aFullPageNamesTheNextOne() {
        let page = (1...3).reversed().map { Self.event(Int64($0) + 40) }
        #expect(AuditDisplay.nextPage(after: page, limit: 3) == 41)
        #expect(AuditDisplay.nextPage(after: page, limit: 4) == nil)
        #expect(AuditDisplay.nextPage(after: [], limit: 50) == nil)
    }

    @Test func printableKeepsOrdinaryTextAndEscapesControls() {
        #expect(Display.printable("café 🚀 日本 a\\b") == "café 🚀 日本 a\\b")
        #expect(Display.printable("a\tb\u{7f}c\u{85}") == #"a\tb\u{7F}c\u{0085}"#)
    }
}
