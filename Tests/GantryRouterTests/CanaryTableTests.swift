import GantryCore
import Testing

@testable import GantryRouter

/// The route table's canary split, without sockets: the weighted choice, the sides a request
/// names, and the slots of the canary's backends as splits change, end and get promoted.
@Suite struct CanaryTableTests {
    let hello = try! AppName("hello")
    let stable = [Backend(id: "web-1", port: 5001, release: 7), Backend(id: "web-2", port: 5002, release: 7)]
    let canary = [Backend(id: "canary-1", port: 6001, release: 8)]

    private func table(weight: Int = 10) -> RouteTable {
        let table = RouteTable()
        table.setBackends(app: hello, stable)
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: weight, backends: canary))
        return table
    }

    /// Routes one request and ends it at once; its slot and side.
    private func pick(_ table: RouteTable, _ preference: CanaryPreference = .none) throws -> (BackendSlot, SplitSide) {
        guard case .backend(_, let slot, _, let side) = table.route(host: "hello.localhost", preference: { _ in preference }) else {
            throw TestFailure("no backend")
        }
        slot.end()
        return (slot, side)
    }

    @Test func weightedChoiceIsExactAndSmooth() throws {
        let table = table(weight: 10)
        var toCanary = 0
        for index in 1...2000 {
            let (slot, side) = try pick(table)
            #expect(side.isCanary == (slot.backend.release == 8))
            #expect(side.setCookie == CanarySplit.stickyCookie(app: hello, release: side.isCanary ? 8 : 7))
            if side.isCanary { toCanary += 1 }
            #expect(abs(toCanary * 100 - index * 10) <= 100, "request \(index): \(toCanary) to the canary")
        }
        #expect(toCanary == 200)
    }

    @Test func namedSidesSkipTheWeightedChoiceAndGetNoCookie() throws {
        let table = table(weight: 50)
        for preference in [CanaryPreference.forcedCanary, .cookie(release: 8)] {
            let (slot, side) = try pick(table, preference)
            #expect(slot.backend.id == "canary-1" && side == SplitSide(isCanary: true, setCookie: nil))
        }
        for preference in [CanaryPreference.forcedStable, .cookie(release: 7)] {
            let (slot, side) = try pick(table, preference)
            #expect(slot.backend.release == 7 && side == .stable)
        }
        // A stale cookie is decided again, and cookied again.
        let (_, side) = try pick(table, .cookie(release: 5))
        #expect(side.setCookie != nil)
    }

    @Test func stableSideKeepsItsRoundRobin() throws {
        let table = table()
        let ids = try (0..<4).map { _ in try pick(table, .forcedStable).0.backend.id }
        #expect(ids == ["web-1", "web-2", "web-1", "web-2"])
    }

    @Test func aNewWeightStartsTheChoiceOverAndTheSameSplitKeepsIt() throws {
        let table = table(weight: 50)
        #expect(try pick(table).1.isCanary)  // 1st of a run goes to the canary
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 50, backends: canary))
        #expect(try !pick(table).1.isCanary)  // the same split: the 2nd
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 20, backends: canary))
        #expect(try pick(table).1.isCanary)  // a new weight: a 1st again
        #expect(table.canary(for: hello) == CanarySplit(release: 8, stable: 7, weight: 20, backends: canary))
    }

    @Test func aSideWithoutBackendsSendsItsShareToTheOther() throws {
        let table = RouteTable()
        table.setBackends(app: hello, stable)
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 50, backends: []))
        for _ in 0..<4 {
            let (slot, side) = try pick(table)
            #expect(slot.backend.release == 7 && side == .stable)
        }
        #expect(try pick(table, .forcedCanary).1 == .stable)
    }

    @Test func removedCanaryRetiresBusySlotsForTheDrain() throws {
        let table = table()
        guard case .backend(_, let busy, _, _) = table.route(host: "hello.localhost", preference: { _ in .forcedCanary }) else {
            throw TestFailure("no backend")
        }
        table.setCanary(app: hello, nil)
        #expect(table.canary(for: hello) == nil)
        #expect(table.activeRequests(backendID: "canary-1") == 1)
        for _ in 0..<10 { #expect(try pick(table).1 == .stable) }
        busy.end()
        #expect(table.activeRequests(backendID: "canary-1") == 0)
    }

    @Test func promotionKeepsTheCanarySlotsAndTheirRequests() throws {
        let table = table()
        var running: [BackendSlot] = []
        for _ in 0..<3 {
            guard case .backend(_, let slot, _, _) = table.route(host: "hello.localhost", preference: { _ in .forcedCanary }) else {
                throw TestFailure("no backend")
            }
            running.append(slot)
        }
        table.setBackends(app: hello, canary)
        table.setCanary(app: hello, nil)
        #expect(table.activeRequests(backendID: "canary-1") == 3)
        let (slot, side) = try pick(table)
        #expect(slot === running[0] && side == .stable, "the promoted backend keeps its slot")
        for slot in running { slot.end() }
        #expect(table.activeRequests(backendID: "canary-1") == 0)
    }

    @Test func retryStaysOnTheSameSide() throws {
        let table = RouteTable()
        table.setBackends(app: hello, stable)
        let two = canary + [Backend(id: "canary-2", port: 6002, release: 8)]
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 10, backends: two))
        let other = try #require(table.alternative(for: hello, excluding: "canary-1", canary: true))
        #expect(other.backend.id == "canary-2")
        other.end()
        let stableOther = try #require(table.alternative(for: hello, excluding: "web-1"))
        #expect(stableOther.backend.id == "web-2")
        stableOther.end()
    }

    @Test func removeAppClearsTheCanary() throws {
        let table = table()
        table.removeApp(hello)
        #expect(table.canary(for: hello) == nil)
        table.setBackends(app: hello, stable)
        #expect(try pick(table).1 == .stable)
        table.setCanary(app: try AppName("ghost"), nil)
        #expect(!table.apps.contains(try AppName("ghost")), "clearing the canary of an unknown app adds no app")
    }
}
