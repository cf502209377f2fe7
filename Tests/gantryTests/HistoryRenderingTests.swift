import Foundation
import GantryCore
import GantryTerminal
import Testing
@testable import gantry

@Suite("History view rendering")
struct HistoryRenderingTests {
    private func screen(_ model: HistoryModel) -> String {
        model.render(now: HistoryFixtures.now).lines.map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    @Test func anEightyByTwentyFourFrameShowsTheListAboveTheDetail() {
        var model = HistoryModel.loaded(count: 12)
        model.type([.down], count: 12)
        let frame = model.render(now: HistoryFixtures.now)
        #expect(frame.width == 80 && frame.height == 24)
        #expect(screen(model) == """
             hello releases · current v12 · 12 loaded
              v12  Deploy 5d6e7f8                                 alice  1 minute ago   live
            > v11  Deploy 5d6e7f8                                 alice  2 minutes ago
              v10  Deploy 5d6e7f8                                 alice  3 minutes ago
              v9   Deploy 5d6e7f8                                 alice  4 minutes ago
              v8   Deploy 5d6e7f8                                 alice  5 minutes ago
              v7   Deploy 5d6e7f8                                 alice  6 minutes ago
              v6   Deploy 5d6e7f8                                 alice  7 minutes ago
              v5   Deploy 5d6e7f8                                 alice  8 minutes ago
            ── v11 ─────────────────────────────────────────────────────────────────────────
            v11  Deploy 5d6e7f8  superseded
            By      alice via push, 2023-11-14T22:11:20Z (2 minutes ago)
            Commit  5d6e7f8 Fix the login page — Alice Liddell
            Build   #11 built, python buildpack, built in 12.3 s
            Tests   passed in 3.2 s
            Image   sha256:4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b
            Config  + DEBUG=•••••  ~ DATABASE_URL=•••••
            Build log (last lines)
              -----> log line 36
              -----> log line 37
              -----> log line 38
              -----> log line 39
              -----> log line 40
            ↑↓ move  Enter detail  / filter  r roll back  q quit
            """)
        #expect(frame[2, 0].style.inverse && frame[2, 79].style.inverse, "the selected row is inverted across the list")
        #expect(!frame[1, 0].style.inverse)
    }

    @Test func aWideTerminalPutsTheDetailBesideTheList() {
        let model = HistoryModel.loaded(count: 40, size: TerminalSize(columns: 140, rows: 30))
        let lines = model.render(now: HistoryFixtures.now).lines
        let divider = model.layout.divider!.column
        #expect(divider == model.layout.list.width + 1)
        #expect(lines[1...28].allSatisfy { Array($0)[divider] == "│" })
        #expect(lines[1].hasPrefix("> v40  Deploy 5d6e7f8"))
        #expect(lines[1].hasSuffix("v40  Deploy 5d6e7f8  live" + String(repeating: " ", count: 140 - divider - 2 - 25)))
        #expect(lines[28].contains("v13"), "the list has every body row")
    }

    @Test func followsResizesAndFitsEvenATinyTerminal() {
        var model = HistoryModel.loaded(count: 30)
        model.type([.end], count: 30)
        for size in [TerminalSize(columns: 40, rows: 8), TerminalSize(columns: 200, rows: 60), TerminalSize(columns: 1, rows: 1)] {
            model.settle(model.resize(size), count: 30)
            let frame = model.render(now: HistoryFixtures.now)
            #expect(frame.width == size.columns && frame.height == size.rows)
            #expect(frame.lines.allSatisfy { DisplayWidth.of($0) == size.columns })
            if size.rows > 2 { #expect(frame.lines.contains { $0.hasPrefix("> v1 ") }, "the selection stays in view at \(size)") }
        }
    }

    @Test func longAndWideTextIsCutToTheWidthNeverWrapped() {
        var model = HistoryModel(app: "hello", size: .classic)
        let description = "Deploy 5d6e7f8 " + String(repeating: "日本語のコミット", count: 10) + "\u{1b}[31mred\nsecond line"
        _ = model.start()
        _ = model.pageLoaded(before: nil, limit: HistoryModel.pageSize, [HistoryFixtures.release(1, newest: 1, description: description, by: "アリス")])
        let lines = model.render(now: HistoryFixtures.now).lines
        #expect(lines.allSatisfy { DisplayWidth.of($0) == 80 })
        #expect(lines[1].hasPrefix("> v1  Deploy 5d6e7f8 日本語"))
        #expect(lines[1].contains("…"))
        #expect(!lines.joined().contains("second line"))
    }

    @Test func theDetailTakesTheWholeScreenOnEnterAndScrolls() {
        var model = HistoryModel.loaded(count: 3)
        model.type([.enter], count: 3)
        var lines = model.render(now: HistoryFixtures.now).lines
        #expect(!lines.contains { $0.hasPrefix("> v3") })
        #expect(lines[1].hasPrefix("v3  Deploy 5d6e7f8  live"))
        #expect(lines[22].hasPrefix("  -----> log line 14"), "the log from where it fits")
        model.type([.pageDown, .pageDown, .pageDown], count: 3)
        lines = model.render(now: HistoryFixtures.now).lines
        #expect(lines[22].hasPrefix("  -----> log line 40"), "scrolling stops at the log's end")
        model.type([.up], count: 3)
        #expect(model.render(now: HistoryFixtures.now).lines[22].hasPrefix("  -----> log line 39"), "one line up from the end")
        model.type([.escape], count: 3)
        #expect(model.render(now: HistoryFixtures.now).lines[1].hasPrefix("> v3"))
    }

    @Test func theFooterAsksBeforeARollbackAndShowsTheFilterBeingTyped() {
        var model = HistoryModel.loaded(count: 3)
        model.type([.character("r")], count: 3)
        #expect(model.render(now: HistoryFixtures.now).lines[23].hasPrefix("Roll back hello to v3? [y/N]"))
        model.type([.character("n"), .character("/"), .character("v"), .character("2")], count: 3)
        let lines = model.render(now: HistoryFixtures.now).lines
        #expect(lines[23].hasPrefix("/v2▏"))
        #expect(lines[0].contains("1 match \"v2\""))
        #expect(lines[1].hasPrefix("> v2  "))
    }
}
