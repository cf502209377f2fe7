internal import CZlib

extension z_stream {
    /// One `inflate(Z_NO_FLUSH)` call of this stream's pending input into `output` (from its
    /// start, as much as fits).
    /// - Returns: zlib's status and how many bytes of `output` it wrote.
    mutating func inflate(into output: inout [UInt8]) -> (status: Int32, produced: Int) {
        let before = Int(total_out)
        let status = output.withUnsafeMutableBytes { buffer in
            next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            avail_out = UInt32(buffer.count)
            return CZlib.inflate(&self, Z_NO_FLUSH)
        }
        return (status, Int(total_out) - before)
    }
}
