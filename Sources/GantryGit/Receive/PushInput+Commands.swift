extension PushInput {
    /// Reads up to the end of the command section, whatever the transport.
    /// - Parameter maxPushBytes: the push limit; the section counts against it.
    /// - Returns: the request and the first bytes of the pack.
    /// - Throws: `ReceiveError.protocol` for a malformed or unfinished command section;
    ///   `.commandsTooLarge` for one over its limit (read no further);
    ///   `ReceiveError.input` when the transport fails.
    public func readCommands(maxPushBytes: Int) async throws(ReceiveError) -> (ReceivePackRequest, [UInt8]) {
        var parser = ReceivePackRequestParser(maxPushBytes: maxPushBytes)
        while let bytes = try await next() {
            if case .done(let request) = try parser.feed(bytes) {
                return (request, Array(parser.remainder))
            }
        }
        if case .done(let request) = try parser.feed([]) { return (request, []) }
        throw .protocol("the request ended inside the command list")
    }
}
