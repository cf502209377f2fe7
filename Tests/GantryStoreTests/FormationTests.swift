import GantryCore
@testable import GantryStore
import Testing

@Suite("Formation")
struct FormationTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    @Test
    func aNewAppHasNoFormation() async throws {
        #expect(try await store.formation(app: app).isEmpty)
    }

    @Test
    func setFormationUpsertsAndKeepsOtherTypes() async throws {
        #expect(try await store.setFormation(app: app, ["web": 1, "worker": 0]) == ["web": 1, "worker": 0])
        #expect(try await store.setFormation(app: app, ["web": 3, "clock": 1]) == ["web": 3, "worker": 0, "clock": 1])
        #expect(try await store.setFormation(app: app, [:]) == ["web": 3, "worker": 0, "clock": 1])
        #expect(try await store.formation(app: app) == ["web": 3, "worker": 0, "clock": 1])
        #expect(try await store.rowCount("formation") == 3)

        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        try await store.setFormation(app: other, ["web": 2])
        #expect(try await store.formation(app: other) == ["web": 2])
        #expect(try await store.formation(app: app)["web"] == 3)
    }

    @Test
    func boundsAreAccepted() async throws {
        let longest = String(repeating: "a", count: 30)
        let counts = ["web": 0, "Worker_2-b": Formation.maximumQuantity, longest: 7]
        #expect(try await store.setFormation(app: app, counts) == counts)
    }

    static let invalid: [(counts: [String: Int], error: InvalidFormation)] = [
        (["web": 1, "web.1": 1], .processType("web.1")),
        (["": 1], .processType("")),
        ([String(repeating: "a", count: 31): 1], .processType(String(repeating: "a", count: 31))),
        (["wéb": 1], .processType("wéb")),
        (["web worker": 1], .processType("web worker")),
        (["web": -1], .quantity(type: "web", -1)),
        (["web": 101], .quantity(type: "web", 101)),
        (["a": 1, "web": 1_000_000], .quantity(type: "web", 1_000_000)),
    ]

    @Test(arguments: invalid)
    func invalidFormationsChangeNothing(counts: [String: Int], error: InvalidFormation) async throws {
        try await store.setFormation(app: app, ["web": 2])
        await #expect(throws: StoreError.invalidFormation(error)) {
            try await store.setFormation(app: app, counts)
        }
        #expect(try await store.formation(app: app) == ["web": 2])
    }

    @Test
    func messagesNameTheTypeAndTheRule() {
        #expect(StoreError.invalidFormation(.processType("web.1")).description
            == "invalid process type 'web.1': use 1 to 30 letters, digits, '-' or '_', as in a Procfile")
        #expect(StoreError.invalidFormation(.quantity(type: "web", 101)).description
            == "invalid count 101 for process type 'web': use 0 to 100")
    }

    @Test
    func schemaRejectsMalformedRows() async throws {
        try await store.setFormation(app: app, ["web": 1])
        for assignment in ["quantity = -1", "quantity = 101", "process_type = 'web.1'", "process_type = ''",
                           "process_type = '\(String(repeating: "w", count: 31))'"] {
            await #expect {
                try await store.execute(sql: "UPDATE formation SET \(assignment)")
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        await #expect {
            try await store.execute(sql: "INSERT INTO formation (app_id, process_type, quantity) VALUES (999, 'web', 1)")
        } throws: { error in
            "\(error)".contains("FOREIGN KEY constraint failed")
        }
        #expect(try await store.formation(app: app) == ["web": 1])
    }

    @Test
    func missingAppIsNotFound() async throws {
        let ghost = Fixture.app("ghost")
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.formation(app: ghost) }
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.setFormation(app: ghost, ["web": 1]) }
    }

    @Test
    func defaultFormationOfAReleaseCanBeStored() async throws {
        let release = try await Fixture.release(store, app: app)
        let formation = Formation.default(for: release.processTypes)
        #expect(try await store.setFormation(app: app, formation.counts) == ["web": 1, "worker": 0])
    }
}
