import GantryCore

/// One line of a push's command list: move `ref` from `old` to `new`. A zero `old` creates
/// the ref, a zero `new` deletes it.
public struct RefCommand: Hashable, Sendable {
    /// The ref name exactly as the client sent it (it may be invalid; see `refName`).
    public let name: String
    public let old: ObjectID
    public let new: ObjectID

    public init(name: String, old: ObjectID, new: ObjectID) {
        self.name = name
        self.old = old
        self.new = new
    }

    /// The validated ref name, or `nil` when `name` breaks git's ref-name rules.
    public var refName: RefName? { try? RefName(name) }
    public var isCreate: Bool { old.isZero }
    public var isDelete: Bool { new.isZero }
}

/// What became of a command; the words git's report-status carries after `ng REF`.
public enum RefResult: Equatable, Sendable {
    case ok
    case rejected(String)

    public var isOK: Bool { self == .ok }
}

/// The command section of a `git-receive-pack` request (gitprotocol-pack, "Reference Update
/// Request"): commands, the capabilities the client chose, and push options.
public struct ReceivePackRequest: Sendable, Equatable {
    public var commands: [RefCommand] = []
    public var capabilities: Set<String> = []
    public var pushOptions: [String] = []
    /// The commits where the pusher's shallow clone ends (`shallow OID` lines): their parents
    /// are missing on the client, so the pack cannot bring them.
    public var shallow: [ObjectID] = []
    /// The bytes the section took on the wire; they count against the push limit.
    public var size = 0

    public init(commands: [RefCommand] = [], capabilities: Set<String> = [], pushOptions: [String] = [], shallow: [ObjectID] = []) {
        self.commands = commands
        self.capabilities = capabilities
        self.pushOptions = pushOptions
        self.shallow = shallow
    }

    /// Whether the client asked for side-band-64k (progress and status multiplexed).
    public var usesSideband: Bool { capabilities.contains("side-band-64k") }
    public var isAtomic: Bool { capabilities.contains("atomic") }
    /// Whether a pack follows: only when some command writes an object.
    public var expectsPack: Bool { commands.contains { !$0.isDelete } }
}
