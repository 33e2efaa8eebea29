/// SHA-1 (FIPS 180-4 §6.1). Only for verifying old OVF manifests (`SHA1(x)= …`), which
/// ovftool wrote by default before 4.x; it is not used for anything security-critical.
struct SHA1: StreamingDigest {
    private var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0]
    private var buffer = BlockBuffer(blockSize: 64)

    init() {}

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        buffer.feed(bytes) { Self.compress(&state, $0) }
        self.state = state
    }

    mutating func finalize() -> [UInt8] {
        var state = self.state
        buffer.finish(lengthBytes: 8) { Self.compress(&state, $0) }
        self.state = state
        return bigEndianBytes(state)
    }

    private static func compress(_ state: inout [UInt32], _ block: UnsafeRawBufferPointer) {
        var w = [UInt32](repeating: 0, count: 80)
        for t in 0..<16 { w[t] = block.be32(t * 4) }
        for t in 16..<80 {
            let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
            w[t] = (x << 1) | (x >> 31)
        }
        var a = state[0]
        var b = state[1]
        var c = state[2]
        var d = state[3]
        var e = state[4]
        for t in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch t {
            case 0..<20:
                f = (b & c) | (~b & d)
                k = 0x5a82_7999
            case 20..<40:
                f = b ^ c ^ d
                k = 0x6ed9_eba1
            case 40..<60:
                f = (b & c) | (b & d) | (c & d)
                k = 0x8f1b_bcdc
            default:
                f = b ^ c ^ d
                k = 0xca62_c1d6
            }
            let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[t]
            e = d
            d = c
            c = (b << 30) | (b >> 2)
            b = a
            a = temp
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
    }
}
