/// Plain-text layouts for terminal output: column tables and `Label: value` lists.
public enum TextTable {
    /// A table with a header row, columns left-aligned and separated by two spaces.
    /// The last column is not padded, so no line ends in spaces.
    ///
    /// ```
    /// NAME    CREATED
    /// blog    3 minutes ago
    /// ```
    public static func render(headers: [String], rows: [[String]]) -> String {
        let all = [headers] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `Label: value` lines with the values aligned, Heroku's `apps:info` layout.
    ///
    /// ```
    /// Name:    blog
    /// Created: 2025-01-02T03:04:05Z (3 minutes ago)
    /// ```
    public static func fields(_ fields: [(label: String, value: String)]) -> String {
        let width = (fields.map(\.label.count).max() ?? 0) + 1
        return fields.map { ($0.label + ":").padding(to: width) + " " + $0.value }.joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces on the right to `width` characters; longer strings stay as they are.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
