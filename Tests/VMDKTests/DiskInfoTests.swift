import Foundation
import Testing

@testable import VMDK

@Suite("DiskInfo (ferry inspect)")
struct DiskInfoTests {
    @Test("a chain's report: human description and JSON round trip")
    func report() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "adapter_type=lsilogic", "base.vmdk", "2M"], in: scratch.path)
        try Tool.qemuIO("base.vmdk", ["write -P 1 0 65536"], in: scratch.path)
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "zeroed_grain=on", "-b", "base.vmdk", "-F", "vmdk", "top.vmdk"], in: scratch.path)
        try Tool.qemuIO("top.vmdk", ["write -z 0 65536", "write -P 2 131072 512"], in: scratch.path)
        let info = try inspectReport(scratch.file("top.vmdk"))
        #expect(info.capacity == 2 << 20)
        #expect(info.allocatedBytes == 65536)
        #expect(info.zeroBytes == 65536)
        #expect(info.unallocatedBytes == (2 << 20) - 131072)
        #expect(info.chain.count == 2)
        #expect(info.parentCID == info.chain[1].cid)
        let text = info.description
        for needle in ["capacity:    2 MiB", "createType monolithicSparse", "64 KiB data, 64 KiB zero", "[1]", "base.vmdk", "CID="] {
            #expect(text.contains(needle), "\(needle) in:\n\(text)")
        }
        let json = try JSONEncoder().encode(info)
        let decoded = try JSONDecoder().decode(DiskInfo.self, from: json)
        #expect(decoded == info)
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(object?["createType"] as? String == "monolithicSparse")
        #expect((object?["chain"] as? [Any])?.count == 2)
    }

    @Test("inspectReport refuses what open refuses")
    func refusal() {
        #expect(throws: VMDKError.self) { try inspectReport(peerData("qemu-samples/afl9.vmdk")) }
    }
}
