/// `gantry run`: a command in a new container of an app's live release (a one-off process).
///
/// `POST /api/v1/apps/NAME/runs` with a `RunRequest` checks the caller (`deploy` on the app),
/// the live release and the command, and names the process (`run.N`). Detached, the process
/// is started at once; attached, the answer holds a one-time `attach` path valid for
/// `RunResponse.attachWindow`: a WebSocket upgrade (`GET`, same token) to it starts the
/// container and carries its input and output as `RunFrame`s until it ends.
public struct RunRequest: Codable, Sendable, Equatable {
    /// The argument vector; `command[0]` is looked up in the container's `PATH` (through bash,
    /// which answers 127 and "command not found" for a missing one).
    public var command: [String]
    /// Whether the process gets a terminal (`gantry run` gives it one when its own input is one).
    public var tty: Bool
    /// The terminal's size at the start (with `tty`).
    public var size: WindowSize?
    /// Run in the background, output to the app's log as `run.N`.
    public var detach: Bool
    /// Killed after this many seconds (default `defaultTimeout`, at most `maximumTimeout`).
    public var timeoutSeconds: Int?

    /// 1 h, as `gantry run --timeout` by default.
    public static let defaultTimeout = 3600
    /// One day.
    public static let maximumTimeout = 86_400
    /// At most this many arguments, of this many bytes in all.
    public static let maximumArguments = 1024
    public static let maximumCommandBytes = 64 << 10

    public init(command: [String], tty: Bool = false, size: WindowSize? = nil, detach: Bool = false, timeoutSeconds: Int? = nil) {
        self.command = command
        self.tty = tty
        self.size = size
        self.detach = detach
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The answer to a `RunRequest`: the process's name and, attached, where to attach.
public struct RunResponse: Codable, Sendable, Equatable {
    /// `run.N`, as `gantry ps` and `gantry logs --ps` name it, when detached (an attached
    /// process is named when it starts).
    public var process: String?
    /// The path (under the API's origin) of the WebSocket that starts and attaches the
    /// process; `nil` when detached.
    public var attach: String?

    /// How long an `attach` path stays valid unused.
    public static let attachWindow: Duration = .seconds(30)
    /// The largest WebSocket frame either side sends (output is read in chunks of half that).
    public static let maximumFrameSize = 64 << 10

    public init(process: String?, attach: String? = nil) {
        self.process = process
        self.attach = attach
    }
}

/// A terminal's size in character cells.
public struct WindowSize: Codable, Hashable, Sendable {
    public var columns: Int
    public var rows: Int

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// Within what a terminal can be (`winsize` holds 16-bit counts).
    public var clamped: WindowSize { WindowSize(columns: min(max(columns, 1), 65535), rows: min(max(rows, 1), 65535)) }
}

/// What the client sends to an attached process.
public enum AttachedInput: Hashable, Sendable {
    case data([UInt8])
    /// The client's input ended: the process's standard input is closed (ignored with a
    /// terminal, where Ctrl-D is a byte like any other).
    case endOfInput
    case resize(WindowSize)
}

/// What an attached process writes: its standard output or error (merged into `stdout` with
/// a terminal, as on a terminal).
public enum AttachedOutput: Hashable, Sendable {
    case stdout([UInt8])
    case stderr([UInt8])
}
