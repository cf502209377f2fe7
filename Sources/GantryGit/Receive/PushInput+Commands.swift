extension PushInput {
    /// Reads up to the end of the command section, whatever the transport.
    /// - Returns: the request and the first bytes of the pack.
    /// - Throws: `ReceiveError.protocol` for a malformed or unfinished command section;
    ///   `ReceiveError.input` when the transport fails.
    public func readCommands() async throws(ReceiveError) -> (ReceivePackRequest, [UInt8]) {
        var parser = ReceivePackRequestParser()
        while let bytes = try await next() {
            if case .done(let request) = try parser.feed(bytes) {
                return (request, Array(parser.remainder))
            }
        }
        if case .done(let request) = try parser.feed([]) { return (request, []) }
        throw .protocol("the request ended inside the command list")
    }
}
