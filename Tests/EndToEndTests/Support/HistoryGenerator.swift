import Foundation

/// Writes `git fast-import` streams: thousands of commits in a second or two, the same bytes
/// every run.
enum HistoryGenerator {
    /// A history on `refs/heads/main`: the first commit adds `files` small files spread over
    /// 50 directories; each later commit rewrites `changesPerCommit` of them.
    static func stream(commits: Int, files: Int, changesPerCommit: Int = 3, seed: UInt64 = 1) -> Data {
        precondition(commits >= 1 && files >= 1)
        var noise = NoiseGenerator(seed: seed)
        var out = Data()
        func append(_ text: String) { out.append(contentsOf: Array(text.utf8)) }
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        func path(_ index: Int) -> String {
            "src/module\(padded(index % 50, 2))/file\(padded(index, 5)).txt"
        }
        func blob(_ index: Int, version: Int) {
            let content = "file \(index) version \(version)\n" + noise.text(160)
            append("M 100644 inline \(path(index))\ndata \(content.utf8.count)\n\(content)\n")
        }
        func header(_ number: Int, _ message: String) {
            let stamp = 1_700_000_000 + number * 60
            append("commit refs/heads/main\nmark :\(number)\n")
            append("author Gantry Tests <tests@gantry.invalid> \(stamp) +0000\n")
            append("committer Gantry Tests <tests@gantry.invalid> \(stamp) +0000\n")
            append("data \(message.utf8.count)\n\(message)\n")
        }
        header(1, "import \(files) files")
        for index in 0..<files { blob(index, version: 0) }
        if commits >= 2 {
            for number in 2...commits {
                header(number, "change \(number)")
                for change in 0..<changesPerCommit {
                    blob((number * 7919 + change * 104_729) % files, version: number)
                }
            }
        }
        append("done\n")
        return out
    }
}
