import Foundation

/// A failure the CLI itself detects (no server call involved), with its exit status.
struct CLIError: Error, CustomStringConvertible {
    /// One line saying what is wrong and what to do.
    let message: String
    /// 1 for the user's mistakes, 2 for the server's.
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}

/// Output helpers: results on stdout, problems on stderr.
enum Terminal {
    /// Prints `gantry: MESSAGE` on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("gantry: \(message)\n".utf8))
    }
}
