import Foundation
import Testing
import VMwareConfig

/// The VMX and OVF rows of peer-data/BAD-INPUT-CASES.md that are not already a case of the
/// libvirt, govmomi or unit suites (those rows are named in comments where they are tested).
///
/// Covered elsewhere: unresolvable hard disk → LibvirtConformanceTests.mustFail; missing
/// CD-ROM ISO → LibvirtConformanceTests.missingMedia; config/virtualHW version, memsize,
/// numvcpus, coresPerSocket, firmware, uuid.bios, bad escapes, MACs → VMXParserTests.rejected;
/// unknown virtualDev and hostonly → VMXParserTests (warnings, deliberately lenient); key
/// case, spaces in names, no final newline, "auto detect", "A:" → PeerVMXTests.manageIQ and
/// the libvirt case-insensitive cases; genid byte order → VMXParserTests and
/// LibvirtConformanceTests; XXE and per-element rasd namespaces → PeerOVFTests; File size
/// boundaries → OVFParserTests.fileSizeBoundaries; OVF Tool negatives, ovf_negative_test,
/// unknown sections → GovmomiCorpusTests. Manifests, OVA containers (zip, tar.gz, subfolders,
/// numbered snapshot members) and certificates belong to the OVA reader, not to this module.
@Suite("BAD-INPUT-CASES (VMX and OVF)")
struct BadInputCasesTests {
    /// A relative fileName with a subfolder: libvirt 11.3's test callback rejects it, newer
    /// libvirt and virt-v2v resolve it against the .vmx's folder, and so does Ferry.
    @Test func relativeSubfolder() throws {
        let path = PeerData.path("libvirt-vmx2xml/newer-from-github-index/esx-in-the-wild-17.vmx")
        let vm = try VMXParser(options: .init(datastores: DatastoreMap(["f84f070c-0d65498d": "/mnt/iso"])))
            .parse(contentsOf: path)
        let folder = (path as NSString).deletingLastPathComponent
        let second = try #require(vm.disks.first { $0.unit == 1 && $0.bus == .scsi })
        #expect(second.fileName == "subfolder/esx8.0-win11-with-second-disk-in-subfolder_1.vmdk")
        #expect(second.resolvedPath == folder + "/subfolder/esx8.0-win11-with-second-disk-in-subfolder_1.vmdk")
        #expect(
            vm.disks.first { $0.deviceType == .cdrom }?.resolvedPath
                == "/mnt/iso/win-iso/windows_11_x64_official_dvd.iso")
    }

    /// SATA CD-ROMs with emptyBackingString / "" and startConnected = FALSE: libvirt 11.3
    /// keeps an empty CD-ROM, virt-v2v lists none; Ferry keeps an empty, disconnected drive.
    @Test func emptySATACDROMs() throws {
        for path in [
            "libvirt-vmx2xml/v11.3.0/esx-in-the-wild-12.vmx", "virt-v2v/vmx/test-i-vmx-6.vmx",
        ] {
            let vm = try VMXParser().parse(contentsOf: PeerData.path(path))
            let cdrom = try #require(vm.disks.first { $0.deviceType == .cdrom && $0.bus == .sata }, "\(path)")
            #expect(cdrom.backing == .none || cdrom.backing == .clientDevice, "\(path)")
            #expect(cdrom.resolvedPath == nil, "\(path)")
            #expect(cdrom.startConnected == false, "\(path)")
        }
        // esx-in-the-wild-16: the NVMe-disk VM whose SATA CD-ROM newer libvirt drops.
        let sixteen = try VMXParser().parse(
            contentsOf: PeerData.path("libvirt-vmx2xml/newer-from-github-index/esx-in-the-wild-16.vmx"))
        #expect(sixteen.disks.filter { $0.deviceType == .disk }.map(\.bus) == [.nvme])
    }

    /// 64 disks on one pvscsi controller (hardware 13+ allows targets up to 64).
    @Test func superwidePVSCSI() throws {
        let vm = try VMXParser().parse(
            contentsOf: PeerData.path("libvirt-vmx2xml/newer-from-github-index/scsi-driver-superwide-max.vmx"))
        let disks = vm.disks.filter { $0.bus == .scsi }
        #expect(disks.count == 64)
        #expect(disks.last?.unit == 64)
        #expect(!disks.contains { $0.unit == 7 }, "target 7 is the controller's own")
        #expect(disks.allSatisfy { $0.controllerModel == .pvscsi })
    }

    /// `ovf:compression` other than gzip, derived from virt-v2v's test-i-ova-gz.ovf.
    @Test func unsupportedCompression() throws {
        let text = try PeerData.text("virt-v2v/ova/test-i-ova-gz.ovf")
        #expect(text.contains(#"ovf:compression="gzip""#))
        let bzip2 = text.replacingOccurrences(of: #"ovf:compression="gzip""#, with: #"ovf:compression="bzip2""#)
        let error = #expect(throws: VMwareConfigError.self) {
            try OVFParser().parse(Array(bzip2.utf8), file: "test-i-ova-bz2.ovf")
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("bzip2") == true)
    }
}
