/// One WebSocket message of an attached `gantry run`: always a binary message whose first
/// byte says what it carries.
///
/// | byte | direction | payload |
/// |------|-----------|---------|
/// | 0 | client → server | standard input bytes |
/// | 1 | server → client | standard output bytes (everything, with a terminal) |
/// | 2 | server → client | standard error bytes |
/// | 3 | client → server | end of standard input (none) |
/// | 4 | client → server | window size: columns, rows (each UInt16, big-endian) |
/// | 5 | server → client | the end: exit status (Int32, big-endian), then a UTF-8 message (may be empty) |
///
/// The server closes the WebSocket after the exit frame; a client that closes it (or whose
/// connection drops) ends the process: its container is removed within seconds.
public enum RunFrame: Hashable, Sendable {
    case input([UInt8])
    case output([UInt8])
    case error([UInt8])
    case endOfInput
    case resize(WindowSize)
    /// `status` as a shell reports it: the exit code, 128 + N after signal N, 124 after the
    /// time-out (as `timeout(1)`); `message` says why when gantry ended it or could not start it.
    case exit(status: Int32, message: String)

    /// The frame of `input`.
    public init(_ input: AttachedInput) {
        switch input {
        case .data(let bytes): self = .input(bytes)
        case .endOfInput: self = .endOfInput
        case .resize(let size): self = .resize(size)
        }
    }

    /// The frame of `output`.
    public init(_ output: AttachedOutput) {
        switch output {
        case .stdout(let bytes): self = .output(bytes)
        case .stderr(let bytes): self = .error(bytes)
        }
    }

    /// What a client sends, or `nil` for a server's frame.
    public var attachedInput: AttachedInput? {
        switch self {
        case .input(let bytes): .data(bytes)
        case .endOfInput: .endOfInput
        case .resize(let size): .resize(size)
        case .output, .error, .exit: nil
        }
    }

    /// The message's bytes.
    public var encoded: [UInt8] {
        switch self {
        case .input(let bytes): [0] + bytes
        case .output(let bytes): [1] + bytes
        case .error(let bytes): [2] + bytes
        case .endOfInput: [3]
        case .resize(let size):
            [4] + Self.bigEndian(UInt16(size.clamped.columns)) + Self.bigEndian(UInt16(size.clamped.rows))
        case .exit(let status, let message): [5] + Self.bigEndian(UInt32(bitPattern: status)) + Array(message.utf8)
        }
    }

    /// The frame in `bytes`.
    /// - Throws: `RunFrameError` for an empty message, an unknown kind or a wrong length.
    public init(decoding bytes: some Collection<UInt8>) throws(RunFrameError) {
        guard let kind = bytes.first else { throw RunFrameError(reason: "empty message") }
        let payload = Array(bytes.dropFirst())
        switch kind {
        case 0: self = .input(payload)
        case 1: self = .output(payload)
        case 2: self = .error(payload)
        case 3:
            guard payload.isEmpty else { throw RunFrameError(reason: "end of input carries no payload") }
            self = .endOfInput
        case 4:
            guard payload.count == 4 else { throw RunFrameError(reason: "a resize is 4 bytes, not \(payload.count)") }
            self = .resize(WindowSize(columns: Int(Self.uint16(payload[0], payload[1])), rows: Int(Self.uint16(payload[2], payload[3]))))
        case 5:
            guard payload.count >= 4 else { throw RunFrameError(reason: "an exit frame starts with a 4-byte status") }
            let status = payload[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            self = .exit(status: Int32(bitPattern: status), message: String(decoding: payload[4...], as: UTF8.self))
        default: throw RunFrameError(reason: "unknown frame kind \(kind)")
        }
    }

    private static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
    private static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (24 - 8 * $0)) & 0xff) } }
    private static func uint16(_ high: UInt8, _ low: UInt8) -> UInt16 { UInt16(high) << 8 | UInt16(low) }
}

/// A WebSocket message that is not a `RunFrame`.
public struct RunFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "invalid run frame: \(reason)" }
}

extension ExitStatus {
    /// The status as a shell reports it (`RunFrame.exit`): the code, 128 + signal, 124 after a time-out.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        case .timedOut: 124
        }
    }
}
