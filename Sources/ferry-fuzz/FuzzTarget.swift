/// The parsers that read untrusted bytes, one libFuzzer target each.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// A text descriptor (`disk.vmdk` next to its extents).
    case vmdkDescriptor = "vmdk-descriptor"
    /// A hosted sparse ("KDMV") file, including its embedded descriptor.
    case vmdkSparse = "vmdk-sparse"
    /// A vmfsSparse ("COWD") snapshot delta, opened through a fixed descriptor and parent.
    case vmdkCOWD = "vmdk-cowd"
    /// A seSparse snapshot delta, opened through a fixed descriptor and parent.
    case vmdkSESparse = "vmdk-sesparse"
    /// A streamOptimized file: compressed grains, markers, footer.
    case vmdkStream = "vmdk-stream"
    /// An OVA opened in place: the tar walk, the OVF's disk references (chunked disks too),
    /// the manifest and its digests, then the disk inside.
    case ova
    case vmx
    case ovf
    /// A migration plan (YAML).
    case plan
}

/// What one input did, for replay output. Anything else (a trap, a sanitizer report, a
/// broken invariant) ends the process.
enum Outcome {
    /// Parsed (and, for disks, read) without error.
    case accepted(String)
    /// Refused with the typed error it should be refused with.
    case rejected(String)
}

/// Runs inputs against one target, reusing one scratch folder for the disk formats.
final class Harness {
    let target: FuzzTarget
    private var disk: DiskHarness?

    init(target: FuzzTarget) {
        self.target = target
    }

    func run(_ bytes: [UInt8]) -> Outcome {
        switch target {
        case .vmdkDescriptor, .vmdkSparse, .vmdkCOWD, .vmdkSESparse, .vmdkStream, .ova:
            if disk == nil { disk = DiskHarness() }
            return disk!.run(bytes, as: target)
        case .vmx: return ConfigHarness.vmx(bytes)
        case .ovf: return ConfigHarness.ovf(bytes)
        case .plan: return ConfigHarness.plan(bytes)
        }
    }
}

/// Stops the process with `message`: libFuzzer (or the test running a replay) records it
/// as a crash. Used when a parser breaks one of its documented promises without trapping.
func violation(_ message: String) -> Never {
    fatalError("ferry-fuzz invariant violated: \(message)")
}
