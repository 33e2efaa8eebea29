import VMDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Feeds fuzz input to `VirtualDisk.open` as a file in a scratch folder, then walks the
/// allocation map and reads a bounded amount of data.
///
/// The folder also holds fixed files the input may refer to: `base-flat.vmdk` (1 MiB of
/// patterned data), `base-sparse.vmdk` (a 1 MiB sparse extent) and `parent.vmdk` (a 2048-sector flat descriptor with CID 0000abcd), so
/// descriptors and embedded descriptors can reach real extents and a real parent. The
/// delta formats are opened through a descriptor written per input, whose size matches the
/// header's capacity so that the read path is reached and not stopped by a size mismatch.
final class DiskHarness {
    /// At most this much disk content is read per input: enough to touch the first and last
    /// chunk of many runs while keeping thousands of executions per second.
    static let readBudget = 4 << 20
    static let chunk = 64 << 10
    static let parentSectors: UInt64 = 2048
    static let deltaParentCID = "0000beef"

    let folder: String
    private let buffer: UnsafeMutableRawBufferPointer

    init() {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/ferry-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("ferry-fuzz: mkdtemp in \(base) failed: errno \(errno)") }
        // Canonical, because the errors name canonical extent paths.
        guard let real = realpath(made, nil) else { fatalError("ferry-fuzz: realpath failed: errno \(errno)") }
        folder = String(cString: real)
        free(real)
        buffer = .allocate(byteCount: Self.chunk, alignment: 4096)
        var pattern = [UInt8](repeating: 0, count: Int(Self.parentSectors) * 512)
        for index in pattern.indices { pattern[index] = UInt8(truncatingIfNeeded: index / 512 &+ index) }
        store(pattern, as: "base-flat.vmdk")
        store(
            Self.flatDescriptor(cid: "0000abcd", sectors: Self.parentSectors, createType: "monolithicFlat"),
            as: "parent.vmdk")
        store(Self.compactSparse(), as: "base-sparse.vmdk")
        DiskHarness.scratch = folder
        atexit { if let folder = DiskHarness.scratch { DiskHarness.remove(folder) } }
    }

    /// The folder to remove at exit (atexit handlers cannot capture).
    nonisolated(unsafe) private static var scratch: String?

    func run(_ bytes: [UInt8], as target: FuzzTarget) -> Outcome {
        let path: String
        switch target {
        case .vmdkDescriptor:
            path = store(bytes, as: "desc.vmdk")
        case .vmdkSparse, .vmdkStream:
            path = store(bytes, as: "disk.vmdk")
        case .ova:
            path = store(bytes, as: "vm.ova")
        case .vmdkCOWD:
            // numSectors is a u32 at offset 12 of the COWD header.
            let sectors = bytes.count >= 16 ? UInt64(Self.le32(bytes, 12)) : 1
            store(bytes, as: "delta-cowd.vmdk")
            path = writeDelta(extent: "delta-cowd.vmdk", kind: "VMFSSPARSE", createType: "vmfsSparse", sectors: sectors)
        case .vmdkSESparse:
            // capacity is a u64 at offset 16 of the seSparse const header.
            let sectors = bytes.count >= 24 ? UInt64(Self.le32(bytes, 16)) | UInt64(Self.le32(bytes, 20)) << 32 : 1
            store(bytes, as: "delta-sesparse.vmdk")
            path = writeDelta(extent: "delta-sesparse.vmdk", kind: "SESPARSE", createType: "seSparse", sectors: sectors)
        case .vmx, .ovf, .plan:
            fatalError("ferry-fuzz: \(target.rawValue) is not a disk target")
        }
        do throws(VMDKError) {
            let disk = try VirtualDisk.open(path)
            defer { disk.close() }
            return .accepted(try exercise(disk))
        } catch {
            check(error)
            return .rejected("\(error.code): \(error)")
        }
    }

    /// A typed error must say which file it is about (one of ours) and what is wrong.
    private func check(_ error: VMDKError) {
        guard error.file.hasPrefix(folder + "/"), !error.message.isEmpty else {
            violation("VMDKError does not name a file of the disk: file=\"\(error.file)\" message=\"\(error.message)\"")
        }
    }

    /// Checks the allocation map's promises (ordered, gapless, exactly the capacity) and
    /// that zero and unallocated runs read as zeros, reading the first and last chunk of
    /// each run until the budget is spent.
    private func exercise(_ disk: VirtualDisk) throws(VMDKError) -> String {
        let runs = try disk.allocationMap()
        var end: UInt64 = 0
        for run in runs {
            guard run.offset == end, run.length > 0 else {
                violation("allocation map of \(disk.info.path) is not ordered and gapless at \(end): \(run)")
            }
            end = run.end
        }
        guard end == disk.capacity else {
            violation("allocation map of \(disk.info.path) covers \(end) bytes of a \(disk.capacity)-byte disk")
        }
        var budget = Self.readBudget
        for run in runs where budget > 0 {
            let count = Int(min(run.length, UInt64(Self.chunk)))
            for offset in Set([run.offset, run.end - UInt64(count)]) {
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                try disk.read(into: slice, at: offset)
                if run.kind != .data, slice.contains(where: { $0 != 0 }) {
                    violation("\(disk.info.path): \(run.kind) run at \(run.offset) reads non-zero bytes at \(offset)")
                }
                budget -= count
            }
        }
        do throws(VMDKError) {
            try disk.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<1]), at: disk.capacity)
            violation("\(disk.info.path): a read past the end of the \(disk.capacity)-byte disk succeeded")
        } catch {
            guard error.code == .invalidArgument else {
                violation("\(disk.info.path): a read past the end threw \(error.code), not invalidArgument: \(error)")
            }
        }
        return "\(disk.info.createType) \(disk.capacity) bytes, \(runs.count) runs, \(disk.info.chain.count) layers"
    }

    /// Writes the descriptor of a delta and its parent, both `sectors` long (clamped to what
    /// a descriptor may hold, so the extent's own header check is what refuses a huge size).
    private func writeDelta(extent: String, kind: String, createType: String, sectors: UInt64) -> String {
        let sectors = (1...(UInt64(64) << 31)).contains(sectors) ? sectors : 1
        var parent = Self.flatDescriptor(
            cid: Self.deltaParentCID, sectors: min(sectors, Self.parentSectors), createType: "monolithicFlat")
        if sectors > Self.parentSectors { parent += Array("RW \(sectors - Self.parentSectors) ZERO\n".utf8) }
        store(parent, as: "delta-parent.vmdk")
        let text = """
            # Disk DescriptorFile
            version=1
            CID=12345678
            parentCID=\(Self.deltaParentCID)
            createType="\(createType)"
            parentFileNameHint="delta-parent.vmdk"
            RW \(sectors) \(kind) "\(extent)"

            """
        return store(Array(text.utf8), as: "delta.vmdk")
    }

    /// A 1 MiB hosted sparse extent with no embedded descriptor (4 KiB grains, one table,
    /// grain 0 patterned), so fuzzed descriptors reach the sparse reader through a
    /// `SPARSE "base-sparse.vmdk"` extent line as well as flat ones.
    private static func compactSparse() -> [UInt8] {
        var file = [UInt8](repeating: 0, count: 14 * 512)
        func put(_ value: UInt64, at offset: Int, width: Int) {
            for byte in 0..<width { file[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
        }
        file.replaceSubrange(0..<4, with: Array("KDMV".utf8))
        put(1, at: 4, width: 4)  // version
        put(1, at: 8, width: 4)  // flags: newline check valid
        put(parentSectors, at: 12, width: 8)  // capacity
        put(8, at: 20, width: 8)  // grain size (sectors)
        put(512, at: 44, width: 4)  // entries per grain table
        put(1, at: 56, width: 8)  // grain directory at sector 1
        put(6, at: 64, width: 8)  // overhead: header, directory, 4 table sectors
        file.replaceSubrange(73..<77, with: [0x0a, 0x20, 0x0d, 0x0a])
        put(2, at: 512, width: 4)  // directory[0]: the table at sector 2
        put(6, at: 1024, width: 4)  // table[0]: grain 0 at sector 6
        for index in 0..<4096 { file[6 * 512 + index] = UInt8(truncatingIfNeeded: index &* 7 &+ 1) }
        return file
    }

    private static func flatDescriptor(cid: String, sectors: UInt64, createType: String) -> [UInt8] {
        let text = """
            # Disk DescriptorFile
            version=1
            CID=\(cid)
            parentCID=ffffffff
            createType="\(createType)"
            RW \(sectors) FLAT "base-flat.vmdk" 0

            """
        return Array(text.utf8)
    }

    @discardableResult
    private func store(_ bytes: [UInt8], as name: String) -> String {
        let path = folder + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("ferry-fuzz: cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { fatalError("ferry-fuzz: cannot write \(path): errno \(errno)") }
                done += n
            }
        }
        return path
    }

    private static func le32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func remove(_ folder: String) {
        guard let directory = opendir(folder) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { unlink(folder + "/" + name) }
        }
        closedir(directory)
        rmdir(folder)
    }
}
