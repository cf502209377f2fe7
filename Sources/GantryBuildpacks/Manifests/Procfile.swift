import Foundation

/// A Procfile: one `TYPE: COMMAND` line per process type (Heroku's format). Blank lines and
/// `#` comments are ignored.
public struct Procfile: Hashable, Sendable {
    /// Process types and their commands, in file order.
    public let processes: [(type: String, command: String)]

    public static func == (lhs: Procfile, rhs: Procfile) -> Bool {
        lhs.processes.map(\.type) == rhs.processes.map(\.type) && lhs.processes.map(\.command) == rhs.processes.map(\.command)
    }

    public func hash(into hasher: inout Hasher) {
        for process in processes {
            hasher.combine(process.type)
            hasher.combine(process.command)
        }
    }

    /// The commands by type.
    public var commands: [String: String] {
        Dictionary(processes.map { ($0.type, $0.command) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses a Procfile's text.
    /// - Throws: `ManifestError.procfile` naming the line and what is wrong with it.
    public init(parsing text: String) throws(ManifestError) {
        var processes: [(type: String, command: String)] = []
        // By Character, CR LF is one: split on it too, or a Procfile with CRLF line ends is one line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw .procfile(line: index + 1, "expected 'TYPE: COMMAND'")
            }
            let type = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let command = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard Self.isValidType(type) else {
                throw .procfile(line: index + 1, "process type '\(type.prefix(40))' must be 1 to 30 letters, digits, '-' or '_'")
            }
            guard !command.isEmpty else { throw .procfile(line: index + 1, "process type '\(type)' has no command") }
            guard !processes.contains(where: { $0.type == type }) else {
                throw .procfile(line: index + 1, "process type '\(type)' is declared twice")
            }
            processes.append((type, command))
        }
        self.processes = processes
    }

    /// Whether `type` is a valid process type name.
    public static func isValidType(_ type: String) -> Bool {
        (1...30).contains(type.utf8.count)
            && type.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}
