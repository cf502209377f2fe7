import ArgumentParser
import GantryClient
import GantryCore

/// `gantry gc [--dry-run] [--json]`.
struct GarbageCollect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Reclaim disk space: images, layers and build leftovers nothing uses.",
        discussion: """
            Removes the images no kept release uses (the live one and the last --keep-releases good ones \
            stay), blobs and unpacked layers of no remaining image, build workspaces left in tmp, and the \
            build caches and logs of apps that no longer exist. Prints what and how many MB.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Only list what would be removed.")
    var dryRun = false

    func run() async throws {
        let report = try await server.client().collectGarbage(dryRun: dryRun)
        if output.json { return print(try Display.json(report)) }
        print(Self.render(report))
    }

    /// The report as text: one line per item, then the total.
    static func render(_ report: GarbageReport) -> String {
        guard !report.items.isEmpty else { return "Nothing to reclaim." }
        let table = TextTable.render(
            headers: ["KIND", "NAME", "MB"],
            rows: report.items.map { [$0.kind, $0.name, megabytes($0.bytes)] })
        let verb = report.dryRun ? "Would reclaim" : "Reclaimed"
        return table + "\n\(verb) \(megabytes(report.totalBytes)) MB in \(report.items.count) item\(report.items.count == 1 ? "" : "s")."
    }

    /// Bytes in MB of 1,000,000, one decimal.
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
