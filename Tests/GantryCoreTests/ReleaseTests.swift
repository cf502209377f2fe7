import Foundation
import GantryCore
import Testing

@Suite struct ReleaseTests {
    static let secret = "s3cr3t-VALUE-never-shown"

    static let release = Release(
        id: 7, app: try! AppName("hello"), version: 12, buildID: 3, imageTag: "hello:12",
        imageDigest: "sha256:" + String(repeating: "4b", count: 32), commit: try! ObjectID(String(repeating: "5d", count: 20)),
        config: ["DATABASE_URL": secret, "DEBUG": "1"], processTypes: ["web": "gunicorn app:app"],
        description: "Deploy 5d5d5d5", createdBy: "alice", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
        status: .live)

    @Test func encodesConfigKeysAndNeverValues() throws {
        let json = String(decoding: try API.encoder().encode(Self.release), as: UTF8.self)
        #expect(json.contains(#""configKeys":["DATABASE_URL","DEBUG"]"#))
        #expect(!json.contains(Self.secret))
        #expect(!json.contains(#""config""#))
        #expect(json.contains(#""status":"live""#))
        #expect(json.contains(#""version":12"#))
    }

    @Test func encodesExactlyAsItsSummary() throws {
        let encoder = API.encoder()
        #expect(try encoder.encode(Self.release) == encoder.encode(Self.release.summary))
        let decoded = try API.decoder().decode(ReleaseSummary.self, from: encoder.encode(Self.release))
        #expect(decoded == Self.release.summary)
        #expect(decoded.configKeys == ["DATABASE_URL", "DEBUG"])
        #expect(decoded.name == "v12")
    }

    @Test func textAndMirrorShowNoValues() {
        var dumped = ""
        dump(Self.release, to: &dumped)
        for text in ["\(Self.release)", String(reflecting: Self.release), dumped] {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(text.contains("DATABASE_URL"), "\(text)")
        }
        #expect(Self.release.debugDescription == "hello v12 (live): Deploy 5d5d5d5; config keys DATABASE_URL, DEBUG")
    }

    @Test(arguments: [("v12", 12), ("12", 12), ("V3", 3), ("v1", 1)] as [(String, Int)])
    func parsesVersions(_ text: String, _ version: Int) {
        #expect(ReleaseVersion.parse(text) == version)
    }

    @Test(arguments: ["", "v", "v0", "0", "-1", "v-1", "vv1", "1.5", "v 1", "+1", "x1", "99999999999999999999", "١٢"])
    func rejectsOtherVersions(_ text: String) {
        #expect(ReleaseVersion.parse(text) == nil)
    }
}

@Suite struct FormationTests {
    @Test func defaultRunsOneWebProcessAndNoOther() {
        let formation = Formation.default(for: ["web": "gunicorn app:app", "worker": "celery", "clock": "clock.py"])
        #expect(formation.counts == ["web": 1, "worker": 0, "clock": 0])
        #expect(formation.total == 1)
        #expect(formation.types == ["clock", "web", "worker"])
        #expect(Formation.default(for: ["worker": "celery"]).counts == ["worker": 0])
        #expect(Formation.default(for: [:]).counts.isEmpty)
        #expect(Formation.default(for: ["web": "x", "bad.type": "y"]).counts == ["web": 1])
    }

    @Test(arguments: ["web", "worker", "Web_2", "a-b", "0", String(repeating: "w", count: 30)])
    func acceptsProcfileTypes(_ type: String) throws {
        #expect(Formation.isValidType(type))
        #expect(try Formation([type: 3])[type] == 3)
    }

    @Test(arguments: ["", "web.1", "web worker", "wéb", "web:", String(repeating: "w", count: 31)])
    func rejectsOtherTypes(_ type: String) {
        #expect(!Formation.isValidType(type))
        #expect(throws: InvalidFormation.processType(type)) { try Formation([type: 1]) }
    }

    @Test(arguments: [-1, 101, Int.min, Int.max])
    func rejectsCountsOutside0To100(_ quantity: Int) {
        #expect(throws: InvalidFormation.quantity(type: "web", quantity)) { try Formation(["web": quantity]) }
        var formation = Formation.default(for: ["web": "x"])
        #expect(throws: InvalidFormation.quantity(type: "web", quantity)) { try formation.set("web", to: quantity) }
        #expect(formation["web"] == 1)
    }

    @Test func countsAreSetAndReadByType() throws {
        var formation = try Formation(["web": 0, "worker": 100])
        try formation.set("web", to: 3)
        #expect(formation["web"] == 3 && formation["worker"] == 100 && formation["clock"] == 0)
        #expect(formation.total == 103)
    }

    @Test func codesAsAPlainObjectAndValidatesWhenDecoding() throws {
        let formation = try Formation(["web": 2, "worker": 1])
        let json = try API.encoder().encode(formation)
        #expect(String(decoding: json, as: UTF8.self) == #"{"web":2,"worker":1}"#)
        #expect(try API.decoder().decode(Formation.self, from: json) == formation)
        #expect(throws: DecodingError.self) { try API.decoder().decode(Formation.self, from: Data(#"{"web":101}"#.utf8)) }
        #expect(throws: DecodingError.self) { try API.decoder().decode(Formation.self, from: Data(#"{"web.1":1}"#.utf8)) }
    }

    @Test func messagesNameTheTypeAndTheRule() {
        #expect(InvalidFormation.quantity(type: "web", -1).description == "invalid count -1 for process type 'web': use 0 to 100")
        #expect(InvalidFormation.processType("a\nb").description.hasPrefix(#"invalid process type 'a\nb': use 1 to 30"#))
    }
}
