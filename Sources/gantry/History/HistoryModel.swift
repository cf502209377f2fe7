import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// The state of `gantry history`, a pure state machine: keys and answers from gantryd go in,
/// `Effect`s (requests to make, quitting) come out, and `render` draws a `Frame` from it.
/// `HistoryCommand` carries the effects out; tests drive it directly.
struct HistoryModel: Sendable {
    /// What the keys do right now.
    enum Mode: Hashable, Sendable {
        /// Moving through the list.
        case browsing
        /// Typing the filter after `/`.
        case filtering
        /// The selected release's detail on the whole screen (Enter).
        case detail
        /// `r` was pressed on this version: waiting for y or n.
        case confirmingRollback(Int)
        /// The rollback to this version was asked for; waiting for gantryd.
        case rollingBack(Int)
    }

    /// What `HistoryCommand` must do for the model.
    enum Effect: Hashable, Sendable {
        /// Load `limit` releases older than `before` (the newest when `nil`): `pageLoaded`.
        case loadPage(before: Int?, limit: Int)
        /// Load the detail of release `version`: `detailLoaded`.
        case loadDetail(Int)
        /// Roll back to `version`: `rolledBack`.
        case rollback(to: Int)
        /// Leave.
        case quit
    }

    /// A line under the list: what just happened.
    struct Notice: Hashable, Sendable {
        var text: String
        var isError: Bool
    }

    /// Releases per request while browsing, and while a filter looks for matches.
    static let pageSize = 100
    static let filterPageSize = 1_000

    let app: String
    private(set) var size: TerminalSize
    private(set) var mode: Mode = .browsing

    /// Every release loaded so far, newest first.
    private(set) var releases: [ReleaseSummary] = []
    /// Whether the oldest release has been loaded.
    private(set) var reachedEnd = false
    /// The `before` of the page being loaded, if one is: `.some(nil)` for the first page.
    private(set) var pageInFlight: Int?? = nil

    /// The filter typed after `/`; empty shows every release.
    private(set) var filter = ""
    /// Indices into `releases` of those the filter shows, in order.
    private(set) var matches: [Int] = []
    /// The selected row: an index into `matches`.
    private(set) var selected = 0
    /// The first row shown: an index into `matches`.
    private(set) var top = 0
    /// How far the detail is scrolled, in lines.
    private(set) var detailScroll = 0

    /// Details loaded, by version, and why some could not be.
    private(set) var details: [Int: ReleaseDetail] = [:]
    private(set) var detailFailures: [Int: String] = [:]
    private(set) var detailInFlight: Int?

    private(set) var notice: Notice?

    init(app: String, size: TerminalSize) {
        self.app = app
        self.size = size
    }

    /// The selected release, if any row is shown.
    var selectedRelease: ReleaseSummary? {
        matches.indices.contains(selected) ? releases[matches[selected]] : nil
    }

    /// The releases the list shows, in order.
    var shownReleases: [ReleaseSummary] { matches.map { releases[$0] } }

    /// Where each part of the screen goes at the current size.
    var layout: HistoryLayout { HistoryLayout(size: size, fullDetail: mode == .detail) }

    // MARK: - Events

    /// The first request: the newest page.
    mutating func start() -> [Effect] { followUp() }

    /// The terminal changed size: the selection stays in view.
    mutating func resize(_ newSize: TerminalSize) -> [Effect] {
        size = newSize
        return followUp()
    }

    /// A page of releases arrived for the request `loadPage(before: before)`. Answers to a
    /// request made before a reload are dropped.
    mutating func pageLoaded(before: Int?, limit: Int, _ page: [ReleaseSummary]) -> [Effect] {
        guard pageInFlight == .some(before) else { return [] }
        pageInFlight = nil
        guard before == releases.last?.version else { return followUp() }
        let start = releases.count
        releases += page
        reachedEnd = page.count < limit
        matches += (start..<releases.count).filter { matchesFilter(releases[$0]) }
        return followUp()
    }

    /// A page could not be loaded: no further page is asked for until a key is pressed.
    mutating func pageFailed(before: Int?, _ message: String) -> [Effect] {
        guard pageInFlight == .some(before) else { return [] }
        pageInFlight = nil
        pageError = true
        notice = Notice(text: message, isError: true)
        return []
    }

    /// A release's detail arrived.
    mutating func detailLoaded(_ detail: ReleaseDetail) -> [Effect] {
        let version = detail.release.version
        if detailInFlight == version { detailInFlight = nil }
        details[version] = detail
        detailFailures[version] = nil
        return followUp()
    }

    /// A release's detail could not be loaded; the pane says why.
    mutating func detailFailed(_ version: Int, _ message: String) -> [Effect] {
        if detailInFlight == version { detailInFlight = nil }
        detailFailures[version] = message
        return followUp()
    }

    /// The rollback made `release`: the list starts again from the newest, which is it.
    mutating func rolledBack(_ release: ReleaseSummary) -> [Effect] {
        guard case .rollingBack(let version) = mode else { return [] }
        mode = .browsing
        notice = Notice(text: "Rolled back to v\(version): \(release.name) \(release.status.rawValue)", isError: false)
        releases = []
        matches = []
        reachedEnd = false
        pageInFlight = nil
        selected = 0
        top = 0
        details = [:]
        detailFailures = [:]
        return followUp()
    }

    /// The rollback was refused or failed: nothing changed; the message says why.
    mutating func rollbackFailed(_ message: String) -> [Effect] {
        guard case .rollingBack = mode else { return [] }
        mode = .browsing
        notice = Notice(text: message, isError: true)
        return []
    }

    // MARK: - Follow-up

    /// A page failed: set until the next key, so a broken server is not asked in a loop.
    private var pageError = false

    /// After any change: keep the selection in range and in view, and ask for what the
    /// screen needs and nobody is loading yet — the next page when the rows after the
    /// selection run short, the selected release's detail.
    mutating func followUp() -> [Effect] {
        selected = matches.isEmpty ? 0 : min(max(0, selected), matches.count - 1)
        let rows = max(1, layout.listRows)
        if selected < top { top = selected }
        if selected >= top + rows { top = selected - rows + 1 }
        top = max(0, min(top, max(0, matches.count - rows)))

        var effects: [Effect] = []
        let wanted = selected + 2 * rows
        if !reachedEnd, pageInFlight == nil, !pageError, matches.count <= wanted {
            let before = releases.last?.version
            let limit = filter.isEmpty ? Self.pageSize : Self.filterPageSize
            pageInFlight = .some(before)
            effects.append(.loadPage(before: before, limit: limit))
        }
        if detailInFlight == nil, let version = selectedRelease?.version,
           details[version] == nil, detailFailures[version] == nil {
            detailInFlight = version
            effects.append(.loadDetail(version))
        }
        return effects
    }

    // MARK: - Keys

    /// A key was pressed.
    mutating func press(_ key: Key) -> [Effect] {
        pageError = false
        switch mode {
        case .browsing: return browse(key)
        case .filtering: return editFilter(key)
        case .detail: return readDetail(key)
        case .confirmingRollback(let version): return confirm(key, version: version)
        case .rollingBack: return key == .ctrlC ? [.quit] : []
        }
    }

    private mutating func browse(_ key: Key) -> [Effect] {
        if let effects = move(key) { return effects }
        switch key {
        case .character("q"), .ctrlC:
            return [.quit]
        case .enter:
            guard selectedRelease != nil else { return [] }
            mode = .detail
            detailScroll = 0
        case .character("/"):
            mode = .filtering
        case .escape:
            setFilter("")
        case .character("r"):
            return askRollback()
        default:
            return []
        }
        return followUp()
    }

    /// `r`: asks whether to roll back to the selected release.
    private mutating func askRollback() -> [Effect] {
        guard let release = selectedRelease else { return [] }
        mode = .confirmingRollback(release.version)
        notice = nil
        return followUp()
    }

    /// The keys that move the selection, in every mode that shows the list; `nil` for others.
    private mutating func move(_ key: Key) -> [Effect]? {
        let page = max(1, layout.listRows - 1)
        switch key {
        case .up, .character("k"): selected -= 1
        case .down, .character("j"): selected += 1
        case .pageUp: selected -= page
        case .pageDown: selected += page
        case .home, .character("g"): selected = 0
        case .end, .character("G"): selected = matches.count - 1
        default: return nil
        }
        detailScroll = 0
        return followUp()
    }

    private mutating func editFilter(_ key: Key) -> [Effect] {
        switch key {
        case .ctrlC: return [.quit]
        case .escape:
            mode = .browsing
            setFilter("")
        case .enter:
            mode = .browsing
        case .backspace:
            if filter.isEmpty { mode = .browsing } else { setFilter(String(filter.dropLast())) }
        case .character(let character):
            setFilter(filter + String(character))
        case .up, .down, .pageUp, .pageDown:
            return move(key) ?? []
        default:
            return []
        }
        return followUp()
    }

    private mutating func readDetail(_ key: Key) -> [Effect] {
        switch key {
        case .character("q"), .ctrlC: return [.quit]
        case .escape, .enter, .left, .backspace: mode = .browsing
        case .up, .character("k"): detailScroll = max(0, detailScroll - 1)
        case .down, .character("j"): detailScroll = min(maximumDetailScroll, detailScroll + 1)
        case .pageUp: detailScroll = max(0, detailScroll - max(1, layout.detailRows - 1))
        case .pageDown: detailScroll = min(maximumDetailScroll, detailScroll + max(1, layout.detailRows - 1))
        case .home, .character("g"): detailScroll = 0
        case .character("r"): return askRollback()
        default: return []
        }
        return followUp()
    }

    private mutating func confirm(_ key: Key, version: Int) -> [Effect] {
        if key == .ctrlC { return [.quit] }
        if key == .character("y") || key == .character("Y") {
            mode = .rollingBack(version)
            notice = Notice(text: "Rolling back \(app) to v\(version)…", isError: false)
            return [.rollback(to: version)]
        }
        mode = .browsing
        notice = Notice(text: "Rollback cancelled", isError: false)
        return followUp()
    }

    // MARK: - Filter

    /// Applies `text` as the filter, keeping the selected release selected when it still
    /// matches, else the first match.
    private mutating func setFilter(_ text: String) {
        let current = selectedRelease?.version
        filter = text
        matches = releases.indices.filter { matchesFilter(releases[$0]) }
        selected = current.flatMap { version in matches.firstIndex { releases[$0].version == version } } ?? 0
        top = 0
        pageError = false
    }

    /// Whether `release` shows under the filter: every word of it, in any case, appears in
    /// its version, description, author, origin or status.
    func matchesFilter(_ release: ReleaseSummary) -> Bool {
        guard !filter.isEmpty else { return true }
        let haystack = [release.name, release.description, release.createdBy, release.origin.rawValue, release.status.rawValue]
            .joined(separator: " ").lowercased()
        return filter.lowercased().split(separator: " ").allSatisfy { haystack.contains($0) }
    }
}
