import GantryCore

/// Reads the command section of a receive-pack request as bytes arrive: command lines up to a
/// flush, then (when the client chose `push-options`) option lines up to a second flush.
/// Whatever follows is the pack, left in `remainder`.
public struct ReceivePackRequestParser: Sendable {
    /// What one step of parsing gives.
    public enum Step: Equatable, Sendable {
        /// More bytes are needed.
        case needMoreData
        /// The command section is complete.
        case done(ReceivePackRequest)
    }

    private enum State: Sendable { case commands, pushOptions, done }

    /// The most bytes of a command section: 4 MiB, some 40,000 ref updates. git has no limit;
    /// gantryd holds the section in memory until the pack starts.
    public static let commandSectionLimit = 4 << 20

    private var decoder = PktLineDecoder()
    private var state = State.commands
    private var request = ReceivePackRequest()
    private var fed = 0
    /// The most bytes the command section may take here.
    public let limit: Int

    /// - Parameter maxPushBytes: the push limit, which the command section counts against.
    public init(maxPushBytes: Int = .max) {
        limit = min(Self.commandSectionLimit, maxPushBytes)
    }

    /// Bytes after the command section: the start of the pack.
    public var remainder: ArraySlice<UInt8> { decoder.remainder }

    /// Feeds `bytes` and parses as far as they go.
    /// - Throws: `ReceiveError.protocol` naming what is malformed; `.commandsTooLarge` once
    ///   the section runs past `limit` bytes (nothing past it is kept).
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(ReceiveError) -> Step {
        decoder.append(bytes)
        fed += bytes.count
        while state != .done {
            let packet: PktLine?
            do { packet = try decoder.next() } catch { throw .protocol(error.description) }
            guard let packet else {
                if fed > limit { throw .commandsTooLarge(limit: limit) }
                return .needMoreData
            }
            if fed - decoder.remainder.count > limit { throw .commandsTooLarge(limit: limit) }
            switch (state, packet) {
            case (.commands, .flush):
                state = request.capabilities.contains("push-options") && !request.commands.isEmpty ? .pushOptions : .done
            case (.commands, .data(let payload)):
                try parseCommand(payload)
            case (.pushOptions, .flush):
                state = .done
            case (.pushOptions, .data):
                request.pushOptions.append(packet.text ?? "")
            default:
                throw .protocol("unexpected \(packet) in the command list")
            }
        }
        request.size = fed - decoder.remainder.count
        return .done(request)
    }

    private mutating func parseCommand(_ payload: [UInt8]) throws(ReceiveError) {
        var line = payload
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        if line.starts(with: Array("shallow ".utf8)) {
            // A shallow clone's boundary commits come first and carry no capabilities.
            request.shallow.append(try Self.shallow(String(decoding: line, as: UTF8.self)))
            return
        }
        if request.commands.isEmpty, let nul = line.firstIndex(of: 0) {
            let capabilities = String(decoding: line[(nul + 1)...], as: UTF8.self)
            request.capabilities = Set(capabilities.split(separator: " ").map(String.init))
            line = Array(line[..<nul])
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("push-cert") { throw .protocol("signed pushes are not supported") }
        let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[2].isEmpty,
            let old = try? ObjectID(String(fields[0])), let new = try? ObjectID(String(fields[1]))
        else {
            throw .protocol("bad command line '\(text.prefix(200))': expected 'OLD NEW REF'")
        }
        if old.isZero && new.isZero { throw .protocol("command for \(fields[2]) has two zero ids") }
        request.commands.append(RefCommand(name: String(fields[2]), old: old, new: new))
    }

    /// The commit of a `shallow OID` line (gitprotocol-pack: `shallow = PKT-LINE("shallow" SP obj-id LF)`).
    static func shallow(_ text: String) throws(ReceiveError) -> ObjectID {
        let hex = text.dropFirst("shallow ".count)
        guard hex.count == 40, let id = try? ObjectID(String(hex)), !id.isZero else {
            throw .protocol("bad shallow line '\(text.prefix(200))': expected 'shallow OID'")
        }
        return id
    }
}
