import Ceph
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `ferry import-disk -` with the source piped in, and OVAs imported in one pass: what
/// lands in RBD equals qemu-img's reading, and bad input never leaves a `complete` image.
@Suite("Importing from a pipe, and OVAs in one pass", .serialized)
struct StreamImportTests {
    let cluster: RadosCluster
    let pool: IOContext

    init() throws {
        cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        pool = try cluster.ioContext(pool: TestEnvironment.pool)
    }

    /// Exit status and output of one `ferry` run.
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String

        init(_ result: (status: Int32, output: Data, errors: Data)) {
            status = result.status
            standardOutput = String(decoding: result.output, as: UTF8.self)
            standardError = String(decoding: result.errors, as: UTF8.self)
        }
    }

    /// `cat FILE | ferry import-disk - POOL/NAME …`, through a real pipe.
    /// The one error line of a run that must have failed (recorded as issues otherwise).
    static func oneLineFailure(_ run: Run) -> String {
        #expect(run.status != 0)
        let errors = run.standardError.split(separator: "\n")
        #expect(errors.count == 1, "\(run.standardError)")
        return errors.first.map(String.init) ?? ""
    }

    /// The image (if it must exist, or happens to) is marked unfinished and has no snapshot.
    func expectUnfinished(_ name: String, required: Bool) throws {
        guard try required || pool.imageExists(name) else { return }
        let image = try pool.openImage(name, readOnly: true)
        defer { try? image.close() }
        #expect(try image.metadata("ferry.state") == "importing")
        #expect(try image.snapshots().isEmpty)
    }

    static func importPiped(_ file: String, _ name: String, _ extra: [String] = []) throws -> Run {
        let script = "cat \"$1\" | \"$2\" import-disk - \"$3\" --progress=json \"${@:4}\""
        let child = try Spawn.start(
            ["bash", "-c", script, "bash", file, TestEnvironment.ferryBinary, "\(TestEnvironment.pool)/\(name)"] + extra)
        return Run(Spawn.wait(child))
    }

    /// Runs `ferry ARGS` and returns its result with the bytes it read (`rchar` of
    /// /proc/PID/io, taken after it exited but before it is reaped).
    static func runCountingReads(_ arguments: [String]) throws -> (run: Run, bytesRead: UInt64) {
        let child = try Spawn.start([TestEnvironment.ferryBinary] + arguments)
        var info = siginfo_t()
        while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        let io = (try? String(contentsOfFile: "/proc/\(child.pid)/io", encoding: .utf8)) ?? ""
        let rchar = io.split(separator: "\n").first { $0.hasPrefix("rchar:") }
            .flatMap { UInt64($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
        let run = Run(Spawn.wait(child))
        return (run, try #require(rchar, "no rchar in /proc/\(child.pid)/io: \(io)"))
    }

    /// An OVA of `disk` (named `vm-disk1.vmdk` inside) with the .ovf first and a SHA256
    /// manifest before or after the disk, or with the .ovf last.
    static func makeOVA(
        disk: String, in directory: URL, name: String, manifestAfterDisk: Bool = false, ovfLast: Bool = false,
        corruptManifest: Bool = false
    ) throws -> String {
        let folder = directory.appendingPathComponent(name + ".d")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: disk, toPath: folder.appendingPathComponent("vm-disk1.vmdk").path)
        let size = try FileManager.default.attributesOfItem(atPath: disk)[.size] as! NSNumber
        let ovf = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
              <References><File ovf:href="vm-disk1.vmdk" ovf:id="file1" ovf:size="\(size)"/></References>
              <DiskSection><Info>disks</Info><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="1"/></DiskSection>
            </Envelope>

            """
        try Data(ovf.utf8).write(to: folder.appendingPathComponent("vm.ovf"))
        var manifest = ""
        for member in ["vm.ovf", "vm-disk1.vmdk"] {
            var digest = try ImportFixtures.digest(ofFile: folder.appendingPathComponent(member).path)
            if corruptManifest && member.hasSuffix(".vmdk") { digest = String(digest.reversed()) }
            manifest += "SHA256(\(member))= \(digest)\n"
        }
        try Data(manifest.utf8).write(to: folder.appendingPathComponent("vm.mf"))
        var order = manifestAfterDisk ? ["vm.ovf", "vm-disk1.vmdk", "vm.mf"] : ["vm.ovf", "vm.mf", "vm-disk1.vmdk"]
        if ovfLast { order = ["vm.mf", "vm-disk1.vmdk", "vm.ovf"] }
        let ova = directory.appendingPathComponent(name + ".ova").path
        try Command.run(["tar", "--format=ustar", "-C", folder.path, "-cf", ova] + order)
        return ova
    }

    @Test("a streamOptimized VMDK piped into `ferry import-disk -` equals qemu-img's reading")
    func pipedVMDK() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(path, subformat: "streamOptimized")
        let name = TestEnvironment.uniqueName("stream-pipe")
        defer { ImportFixtures.removeImage(pool, name) }
        let started = ContinuousClock.now
        let run = try Self.importPiped(path, name, ["--verify"])
        #expect(run.status == 0, "\(run.standardError)")
        print("piped import of the 96 MiB stream fixture: \(ContinuousClock.now - started)")
        #expect(
            try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(path, in: directory))
        let image = try pool.openImage(name, readOnly: true)
        defer { try? image.close() }
        #expect(try image.metadata("ferry.state") == "complete")
        #expect(try image.metadata("ferry.source") == "stdin")
        #expect(try image.metadata("ferry.checkpoint") == nil)
        // --progress=json: the total of a pipe is unknown and says so, never a made-up number.
        let lines = run.standardOutput.split(separator: "\n")
        let progress = try #require(lines.first { $0.contains("\"measure\"") })
        let object = try JSONSerialization.jsonObject(with: Data(progress.utf8)) as! [String: Any]
        #expect(object["totalKnown"] as? Bool == false)
        #expect(object["totalBytes"] is NSNull)
        #expect(object["etaSeconds"] is NSNull)
        #expect(object["measure"] as? String == "sourceBytes")
        let result = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as! [String: Any]
        #expect(result["verified"] as? Bool == true)
    }

    @Test("an OVA piped in, the manifest before or after the disk, equals qemu-img's reading", arguments: [false, true])
    func pipedOVA(manifestAfterDisk: Bool) throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(path, subformat: "streamOptimized")
        let ova = try Self.makeOVA(disk: path, in: directory, name: "vm", manifestAfterDisk: manifestAfterDisk)
        let name = TestEnvironment.uniqueName("stream-ova")
        defer { ImportFixtures.removeImage(pool, name) }
        let run = try Self.importPiped(ova, name)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(
            try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(path, in: directory))
        let image = try pool.openImage(name, readOnly: true)
        defer { try? image.close() }
        #expect(try image.metadata("ferry.state") == "complete")
    }

    @Test("an OVA whose disk does not match its manifest fails and its image stays unfinished", arguments: [false, true])
    func wrongManifest(manifestAfterDisk: Bool) throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(path, subformat: "streamOptimized")
        let ova = try Self.makeOVA(
            disk: path, in: directory, name: "bad", manifestAfterDisk: manifestAfterDisk, corruptManifest: true)
        let name = TestEnvironment.uniqueName("stream-badmf")
        defer { ImportFixtures.removeImage(pool, name) }
        let run = try Self.importPiped(ova, name)
        let error = Self.oneLineFailure(run)
        #expect(error.hasPrefix("ferry: stdin:vm-disk1.vmdk: SHA256 is "), "\(run.standardError)")
        #expect(error.contains("the manifest says"))
        // The data went in, but the image never counts as imported.
        try expectUnfinished(name, required: true)
    }

    @Test("bad stream input fails with one line naming stdin, and never marks the image complete")
    func badStream() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(path, subformat: "streamOptimized")
        // Cut the stream in the middle of its grains.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: try handle.seekToEnd() / 2 + 100)
        try handle.close()
        let name = TestEnvironment.uniqueName("stream-cut")
        defer { ImportFixtures.removeImage(pool, name) }
        let run = try Self.importPiped(path, name)
        let error = Self.oneLineFailure(run)
        #expect(error.hasPrefix("ferry: stdin: "), "\(run.standardError)")
        #expect(error.contains("ends"), "\(run.standardError)")
        try expectUnfinished(name, required: false)
        // Neither a VMDK nor an OVA: refused before any image exists.
        let other = TestEnvironment.uniqueName("stream-junk")
        let junk = try Self.importPiped("/etc/os-release", other)
        #expect(junk.status != 0)
        #expect(junk.standardError.hasPrefix("ferry: stdin: "), "\(junk.standardError)")
        #expect(try pool.imageExists(other) == false)
    }

    @Test("--resume is refused for standard input with one line")
    func resumeRefused() throws {
        let name = TestEnvironment.uniqueName("stream-resume")
        let run = try Self.importPiped("/dev/null", name, ["--resume"])
        #expect(run.status != 0)
        #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
        #expect(run.standardError.contains("--resume cannot continue an import from standard input"))
        #expect(try pool.imageExists(name) == false)
    }

    /// An OVA named by path whose disk is streamOptimized is read once: while the import
    /// runs the manifest digests are computed, instead of hashing the disk in a pass of its
    /// own first. The same OVA with the .ovf last must take the old route (verify, then
    /// read), which reads the disk twice: that is what shows the measure can tell.
    @Test("an OVA file with a streamOptimized disk is read once, not verified in a pass of its own first")
    func ovaReadOnce() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Incompressible data, so the stream (and the OVA) is about as large as the disk.
        let raw = directory.appendingPathComponent("random.raw").path
        try Command.run(["dd", "if=/dev/urandom", "of=\(raw)", "bs=1M", "count=48", "status=none"])
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, path])
        let oracle = try ImportFixtures.oracleDigest(path, in: directory)
        let single = try Self.makeOVA(disk: path, in: directory, name: "single")
        let twice = try Self.makeOVA(disk: path, in: directory, name: "twice", ovfLast: true)
        let size = (try FileManager.default.attributesOfItem(atPath: single)[.size] as! NSNumber).uint64Value

        let names = [TestEnvironment.uniqueName("ova-once"), TestEnvironment.uniqueName("ova-twice")]
        defer { for name in names { ImportFixtures.removeImage(pool, name) } }
        var reads: [UInt64] = []
        for (ova, name) in zip([single, twice], names) {
            let started = ContinuousClock.now
            let (run, bytesRead) = try Self.runCountingReads([
                "import-disk", ova, "\(TestEnvironment.pool)/\(name)", "--progress=none",
            ])
            #expect(run.status == 0, "\(run.standardError)")
            print("import of \(ova) by path: \(ContinuousClock.now - started), read \(bytesRead) bytes of \(size)")
            #expect(try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory) == oracle)
            reads.append(bytesRead)
        }
        #expect(reads[0] >= size, "the whole OVA is read")
        #expect(reads[0] < size + size / 2, "read once: \(reads[0]) bytes for a \(size)-byte OVA")
        #expect(reads[1] >= 2 * size - size / 10, "the two-pass route reads the disk twice: \(reads[1])")
    }
}
