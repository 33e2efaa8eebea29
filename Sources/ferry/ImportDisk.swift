import ArgumentParser
import Ceph
import Ferry
import VSphere
import Foundation
import VMDK

extension FerryCommand {
    struct ImportDisk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-disk",
            abstract: "Import one VMware disk (.vmdk, or a disk inside an .ova) into a new RBD image.",
            discussion: """
                Only allocated, non-zero data is written, with many asynchronous writes in flight on one image.
                Progress is checkpointed in the image's metadata: after a crash, run the same command with --resume.
                The image counts as imported (metadata ferry.state=complete, snapshot ferry-imported) only at the end.
                SOURCE '-' reads a streamOptimized VMDK or an OVA from standard input (a pipe, e.g. from curl), front
                to back; an OVA file whose disk is streamOptimized is read the same way, in one pass, its manifest
                digests computed on the way.
                """
        )

        @Argument(help: "The source disk: a .vmdk (any VMware form), an .ova, - for standard input, or vsphere://ENDPOINT/DATACENTER/[DATASTORE] folder/disk.vmdk.")
        var source: String

        @Argument(help: "Target image as POOL/IMAGE or POOL/NAMESPACE/IMAGE.")
        var target: RBDSpec

        @OptionGroup var ceph: CephOptions

        @OptionGroup var tuning: ImportTuning

        @Flag(help: "Continue an unfinished import of the same source into the same image.")
        var resume = false

        @Flag(help: "Read the image back and compare it with the source byte for byte.")
        var verify = false

        @Option(help: "Additional directories extents and parent disks may live in (datastore roots).")
        var allowRoot: [String] = []

        @Option(help: "Progress display: auto, bar, json or none.")
        var progress: ProgressMode = .auto

        @OptionGroup var vsphere: VSphereOptions

        func run() async throws {
            try await vsphere.withSessions(for: source) { try await importDisk() }
        }

        private func importDisk() async throws {
            // The source is opened (and, for a stream, its header checked) before the cluster is touched.
            let opened = try ImportSource.open(source, options: OpenOptions(allowedRoots: allowRoot), resume: resume)
            defer { opened.close() }
            let cluster = try ceph.connect()
            defer { cluster.shutdown() }
            let pool = try cluster.ioContext(pool: target.pool, namespace: target.namespace)
            let options = tuning.importOptions(resume: resume, verify: verify, source: source)

            let importer = DiskImporter(source: opened, pool: pool, imageName: target.image, options: options)
            let renderer = ProgressRenderer(mode: progress.resolved, label: target.description)
            let result = try await importer.run(report: renderer.render)
            renderer.finish()
            if progress.resolved == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(
                    "imported \(opened.name) into \(result.image): \(ProgressRenderer.bytes(result.capacity)) disk, "
                        + "\(ProgressRenderer.bytes(result.allocatedBytes)) allocated, "
                        + "\(ProgressRenderer.bytes(result.writtenBytes)) written in "
                        + String(format: "%.1f s", result.elapsedSeconds)
                        + (result.verified ? ", verified" : "")
                        + (opened.manifestStatus.map { ", manifest \($0)" } ?? "")
                        + (result.snapshot.map { ", snapshot @\($0)" } ?? ""))
            }
        }
    }
}
