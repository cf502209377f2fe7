import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// Maintenance mode is kept per app until it is turned off or the app goes.
@Suite struct MaintenanceStoreTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    @Test func maintenanceIsKeptUntilTurnedOffAndListedForTheRouter() async throws {
        #expect(try await store.maintenance(app: app) == nil)
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let on = Maintenance(message: try MaintenanceMessage("Migrating, back at noon"), since: since, by: "alice")
        try await store.setMaintenance(app: app, on)
        #expect(try await store.maintenance(app: app) == on)
        let plain = Maintenance(message: nil, since: since, by: "bob")
        try await store.setMaintenance(app: app, plain)
        #expect(try await store.allMaintenance() == [app: plain])
        #expect(try await store.removeMaintenance(app: app))
        #expect(try await store.removeMaintenance(app: app) == false, "it was off already")
        #expect(try await store.allMaintenance().isEmpty)
    }

    @Test func anAppThatGoesTakesItsMaintenanceWithIt() async throws {
        try await store.setMaintenance(app: app, Maintenance(message: nil, since: Date(), by: "alice"))
        try await store.deleteApp(app)
        #expect(try await store.allMaintenance().isEmpty)
    }

    @Test(arguments: ["", "   ", "two\nlines", "bell\u{07}", String(repeating: "x", count: 501)])
    func unusableMessagesAreRefusedSayingWhy(_ text: String) {
        #expect(throws: InvalidMaintenanceMessage.self) { try MaintenanceMessage(text) }
    }
}
