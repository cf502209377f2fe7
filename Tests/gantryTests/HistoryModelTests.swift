import Foundation
import GantryCore
import GantryTerminal
import Testing
@testable import gantry

@Suite("History view model")
struct HistoryModelTests {
    @Test func startsByAskingForTheNewestPage() {
        var model = HistoryModel(app: "hello", size: .classic)
        #expect(model.start() == [.loadPage(before: nil, limit: HistoryModel.pageSize)])
        #expect(model.start() == [], "a page in flight is not asked for twice")
    }

    @Test func movesWithArrowsJKPagingAndJumps() {
        var model = HistoryModel.loaded(count: 50)
        #expect(model.selectedRelease?.version == 50)
        model.type([.down, .character("j"), .character("j")], count: 50)
        #expect(model.selectedRelease?.version == 47)
        model.type([.up, .character("k")], count: 50)
        #expect(model.selectedRelease?.version == 49)
        model.type([.pageDown], count: 50)
        #expect(model.selectedRelease?.version == 49 - (model.layout.listRows - 1))
        model.type([.pageUp, .pageUp], count: 50)
        #expect(model.selectedRelease?.version == 50, "paging up stops at the top")
        model.type([.character("G")], count: 50)
        #expect(model.selectedRelease?.version == 1)
        model.type([.down], count: 50)
        #expect(model.selectedRelease?.version == 1, "moving down stops at the oldest")
        model.type([.character("g")], count: 50)
        #expect(model.selectedRelease?.version == 50)
        model.type([.end, .home], count: 50)
        #expect(model.selectedRelease?.version == 50)
    }

    @Test func keepsTheSelectionInView() {
        var model = HistoryModel.loaded(count: 50)
        let rows = model.layout.listRows
        model.type(Array(repeating: .down, count: rows + 2), count: 50)
        #expect(model.selected == rows + 2)
        #expect(model.top == 3)
        model.type([.home], count: 50)
        #expect(model.top == 0)
    }

    @Test func loadsTheNextPageOnlyWhenTheSelectionNearsTheEndOfWhatIsLoaded() {
        var model = HistoryModel.loaded(count: 100_000)
        #expect(model.releases.count == HistoryModel.pageSize)
        #expect(!model.reachedEnd)
        let effects = model.press(.end)
        #expect(effects == [.loadPage(before: 99_901, limit: HistoryModel.pageSize), .loadDetail(99_901)])
        #expect(model.press(.down) == [], "one page at a time")
        model.settle(effects, count: 100_000)
        #expect(model.releases.count == 2 * HistoryModel.pageSize)
        #expect(model.releases.map(\.version) == Array((99_801...100_000).reversed()))
        #expect(model.selectedRelease?.version == 99_901, "the selection stays where it was")
    }

    @Test func stopsAskingOnceTheOldestReleaseIsLoaded() {
        var model = HistoryModel.loaded(count: 150)
        model.type([.end, .end, .end], count: 150)
        #expect(model.releases.count == 150)
        #expect(model.reachedEnd)
        #expect(model.selectedRelease?.version == 1)
        #expect(model.press(.end).isEmpty)
    }

    @Test func loadsOneDetailAtATimeAndTheSelectedOneLast() {
        var model = HistoryModel.loaded(count: 20)
        #expect(model.details.keys.sorted() == [20])
        let first = model.press(.down)
        #expect(first == [.loadDetail(19)])
        #expect(model.press(.down) == [], "v18 waits while v19 loads")
        let next = model.detailLoaded(HistoryFixtures.detail(HistoryFixtures.release(19, newest: 20)))
        #expect(next == [.loadDetail(18)], "then the selected release's")
    }

    @Test func aFailedDetailIsShownNotAskedForAgain() {
        var model = HistoryModel.loaded(count: 3)
        #expect(model.press(.down) == [.loadDetail(2)])
        #expect(model.detailFailed(2, "gantry: no such release").isEmpty)
        let text = model.render(now: HistoryFixtures.now).lines.joined(separator: "\n")
        #expect(text.contains("gantry: no such release"))
    }

    @Test func filtersIncrementallyAndEscapeClears() {
        var model = HistoryModel(app: "hello", size: .classic)
        let releases = [
            HistoryFixtures.release(3, newest: 3, description: "Rollback to v1", by: "bob"),
            HistoryFixtures.release(2, newest: 3, description: "Set DEBUG config vars"),
            HistoryFixtures.release(1, newest: 3, description: "Deploy 5d6e7f8"),
        ]
        _ = model.start()
        _ = model.pageLoaded(before: nil, limit: HistoryModel.pageSize, releases)
        _ = model.press(.character("/"))
        #expect(model.mode == .filtering)
        for character in "DEP" { _ = model.press(.character(character)) }
        #expect(model.shownReleases.map(\.version) == [1])
        #expect(model.selectedRelease?.version == 1)
        _ = model.press(.backspace)
        _ = model.press(.backspace)
        #expect(model.filter == "D")
        #expect(model.shownReleases.map(\.version) == [2, 1])
        for character in " bob" { _ = model.press(.character(character)) }
        #expect(model.shownReleases.isEmpty, "every word must match")
        _ = model.press(.escape)
        #expect(model.mode == .browsing)
        #expect(model.filter.isEmpty)
        #expect(model.shownReleases.map(\.version) == [3, 2, 1])
    }

    @Test func enterKeepsTheFilterAndLettersTypedIntoItAreNotCommands() {
        var model = HistoryModel.loaded(count: 12)
        model.type([.character("/")] + "v1".map { .character($0) } + [.character("q"), .backspace, .enter], count: 12)
        #expect(model.mode == .browsing)
        #expect(model.shownReleases.map(\.version) == [12, 11, 10, 1])
        _ = model.press(.escape)
        #expect(model.filter.isEmpty)
    }

    @Test func aFilterWithFewMatchesLoadsBiggerPagesUntilTheScreenIsFull() {
        var model = HistoryModel.loaded(count: 5_000)
        let effects = model.press(.character("/")) + "v4999".flatMap { model.press(.character($0)) }
        #expect(effects.contains(.loadPage(before: 4_901, limit: HistoryModel.filterPageSize)))
    }

    @Test func rollsBackOnlyAfterYesThenReloadsFromTheNewest() {
        var model = HistoryModel.loaded(count: 3)
        model.type([.down, .down], count: 3)
        #expect(model.press(.character("r")).isEmpty)
        #expect(model.mode == .confirmingRollback(1))
        #expect(model.press(.character("x")).isEmpty)
        #expect(model.mode == .browsing, "anything but y cancels")
        #expect(model.notice?.text == "Rollback cancelled")

        _ = model.press(.character("r"))
        #expect(model.press(.character("y")) == [.rollback(to: 1)])
        #expect(model.mode == .rollingBack(1))
        #expect(model.press(.character("q")).isEmpty, "keys wait while gantryd works")

        var rollback = HistoryFixtures.release(4, newest: 4, description: "Rollback to v1")
        rollback.origin = .rollback
        let effects = model.rolledBack(rollback)
        #expect(effects == [.loadPage(before: nil, limit: HistoryModel.pageSize)])
        model.settle(effects, count: 4)
        #expect(model.selectedRelease?.version == 4)
        #expect(model.releases.count == 4)
        #expect(model.notice?.text.contains("Rolled back to v1") == true)
    }

    @Test func aRefusedRollbackChangesNothingAndSaysWhy() {
        var model = HistoryModel.loaded(count: 3)
        _ = model.press(.character("r"))
        _ = model.press(.character("y"))
        #expect(model.rollbackFailed("v3 is the live release already").isEmpty)
        #expect(model.mode == .browsing)
        #expect(model.notice == .init(text: "v3 is the live release already", isError: true))
        #expect(model.releases.count == 3)
    }

    @Test func quitsOnQAndCtrlCButNotOnQInTheFilter() {
        var model = HistoryModel.loaded(count: 3)
        #expect(model.press(.character("q")) == [.quit])
        #expect(model.press(.ctrlC) == [.quit])
        _ = model.press(.character("/"))
        #expect(model.press(.character("q")).isEmpty)
        #expect(model.press(.ctrlC) == [.quit])
    }

    @Test func anAnswerToARequestMadeBeforeAReloadIsDropped() {
        var model = HistoryModel.loaded(count: 300)
        let effects = model.press(.end)
        #expect(effects.contains(.loadPage(before: 201, limit: HistoryModel.pageSize)))
        _ = model.press(.character("r"))
        _ = model.press(.character("y"))
        _ = model.rolledBack(HistoryFixtures.release(301, newest: 301))
        let stale = model.pageLoaded(before: 201, limit: HistoryModel.pageSize, HistoryFixtures.page(before: 201, limit: 100, count: 300))
        #expect(stale.isEmpty)
        #expect(model.releases.isEmpty)
    }

    @Test func aFailedPageIsNotRetriedUntilAKeyIsPressed() {
        var model = HistoryModel(app: "hello", size: .classic)
        _ = model.start()
        #expect(model.pageFailed(before: nil, "gantry: cannot reach http://127.0.0.1:1").isEmpty)
        #expect(model.resize(TerminalSize(columns: 100, rows: 30)).isEmpty)
        #expect(model.press(.down) == [.loadPage(before: nil, limit: HistoryModel.pageSize)])
    }
}
