import Foundation
import Testing
import VMwareConfig

/// govmomi's OVF corpus (VMware's OVF Tool test files, vCenter/ESXi/ovftool exports, VCF
/// appliances): every positive must parse and every negative must be refused, except the
/// files listed below, each with the reason Ferry decides differently. The lists are
/// asserted exactly, so a behaviour change in either direction shows up here.
@Suite("govmomi OVF corpus")
struct GovmomiCorpusTests {
    /// govmomi positives Ferry refuses, with the error code it refuses them with.
    static let refusedPositives: [String: (VMwareConfigError.Code, String)] = {
        var table: [String: (VMwareConfigError.Code, String)] = [
            "ovf/fixtures/empty.ovf": (
                .missingField,
                "an Envelope with no VirtualSystem: nothing to import (OVF requires one content); govmomi uses it to test unmarshalling"
            ),
            "ovf/fixtures/external/unsupported-ovfs/unsupportedSection.ovf": (
                .unsupported,
                "a section Ferry does not understand, not marked ovf:required=\"false\" (OVF's default is required); BAD-INPUT-CASES: reject required unknown sections"
            ),
            "ovf/fixtures/external/security-test-content/ovf/out-of-bounds-disk/haoUnOS2VMs.ovf": (
                .tooLarge,
                "File ovf:size 2^63 does not fit a signed 64-bit size; BAD-INPUT-CASES: reject the out-of-range one"
            ),
            "ovf/fixtures/external/security-test-content/ovf/large-disk/haoUnOS2VMs.ovf": (
                .invalidValue,
                "refused for ovf:populatedSize 2^63-1 > capacity 2 MiB (the rule OVF Tool's popsize_gt_capacity tests), not for its 2^63-1 File size, which parses (OVFParserTests.fileSizeBoundaries)"
            ),
        ]
        for folder in ["PvScsis_old", "SasPvScsi_old", "Sass_old"] {
            table["ovf/fixtures/external/DeleteHDTestdata/\(folder)/descriptor.ovf"] = (
                .unsupported, "an HTML page saved under an .ovf name, not an OVF"
            )
        }
        // Byte-identical (but for a final newline) to the Neg file of the same name.
        for path in [
            "OVFToolTemplates/OVF/xmltestfiles/Envelope/Pos/bare_minimal.ovf",
            "OVFToolTemplates/OVF/xmltestfiles/Envelope_1_0/Pos/bare_minimal.ovf",
            "OVFToolTemplates/OVF/xmltestfiles/HttpLocators/Pos/bare_minimal_http.ovf",
            "OVFToolTemplates/OVF/xmltestfiles/HttpLocators_1_0/Pos/bare_minimal_http.ovf",
            "OVFToolTemplates/ovftoolresources/bare_minimal.ovf",
            "OVFToolTemplates/ovftoolresources/bare_minimal_http.ovf",
            "ovftoolresources/bare_minimal.ovf", "ovftoolresources/bare_minimal_http.ovf",
        ] {
            table["ovf/fixtures/external/" + path] = (
                .missingField,
                "VirtualSystem without <Info>; the same file is also an OVF Tool negative (Neg/bare_minimal*), and Ferry follows the schema"
            )
        }
        for path in [
            "OVFToolTemplates/OVF/xmltestfiles/Envelope/Pos/valid_vmdk_neg_size.ovf",
            "OVFToolTemplates/OVF/xmltestfiles/Envelope_1_0/Pos/valid_vmdk_neg_size.ovf",
            "OVFToolTemplates/ovftoolresources/valid_vmdk_neg_size.ovf", "ovftoolresources/valid_vmdk_neg_size.ovf",
        ] {
            table["ovf/fixtures/external/" + path] = (
                .invalidValue, "File ovf:size=\"-2\"; BAD-INPUT-CASES: negative sizes are rejected"
            )
        }
        return table
    }()

    /// govmomi negatives Ferry accepts: the defect is not in the descriptor (or not one
    /// Ferry should refuse), so no rule over the .ovf alone can see it.
    static let acceptedNegatives: [String: String] = {
        let templates = "ovf/fixtures/external/OVFToolTemplates/OVF/xmltestfiles/"
        var table: [String: String] = [
            "ovf/fixtures/external/2011OVFs/sunVHW-DiskTypes/sunVHW-DiskTypes-invalid.ovf":
                "identical to the positive sunVHW-DiskTypes.ovf plus a UTF-8 byte-order mark, which XML 1.0 allows",
            "ovf/fixtures/external/2011OVFs/sunVHW-DiskTypes/sunVHW-DiskTypes_invalidUTF.ovf":
                "same bytes as sunVHW-DiskTypes-invalid.ovf",
            "ovf/fixtures/external/OVFCerts/ExpiredCert/NostalgiaInvalidCert.ovf":
                "the defect is the signing certificate (.cert not in the corpus); signatures are checked at the OVA level, not by the descriptor parser",
            templates + "DigitalCertificates/Neg/valid_certificate.ovf":
                "byte-identical to DigitalCertificates/Pos/valid_certificate.ovf; the defect is in the certificate file",
            templates + "Options/Neg/nvm001.ovf": "byte-identical to Options/Pos/nvm001.ovf",
            "ovf/fixtures/invalid-property-key.ovf":
                "a dotted vApp property key; real VMware appliances (the vCSA, VMware Studio) use dotted keys, and Ferry does not use vApp properties",
            "ovf/fixtures/external/ovf_negative_test/ovf_with_invalid_vmdk/xp-multinic.ovf":
                "a well-formed vCenter export; the defect is in its VMDK (checked by the VMDK reader)",
            "ovf/fixtures/external/ovf_negative_test/ovf_with_invalid_id_info/haoUnOS2VMs.ovf":
                "every id resolves (compare New folder/haoUnOS2VMs.ovf, refused for VirtualSystems without ovf:id); the defect is outside the descriptor",
            "ovf/fixtures/external/ovf_negative_test/ovf_with_wrong_size/haoUnOS2VMs/haoUnOS2VMs.ovf":
                "File sizes 0 and 34 disagree with the real files; sizes are checked against the OVA members, and OVF Tool's positives also carry placeholder sizes (valid_vmdk_zero_size, fakevApp-2vms)",
        ]
        // The "fastversion" descriptors are one and the same well-formed vCenter export.
        for folder in [
            "New folder/haoUnOS2VMs", "ovf_with_invalid_id_info", "ovf_with_missing_ovf_content",
            "ovf_with_wrong_size/haoUnOS2VMs",
        ] {
            table["ovf/fixtures/external/ovf_negative_test/\(folder)/fastversion/haoUnOS2VMs.ovf"] =
                "the shared well-formed 'fastversion' descriptor; the case's defect is in the files beside it"
        }
        for section in ["DiskSection", "DiskSection_1_0"] {
            table[templates + section + "/Neg/invalid_createType_disk.ovf"] =
                "the defect is the referenced VMDK's createType (VMDK reader's job)"
            table[templates + section + "/Neg/invalid_delta_reference_disk.ovf"] =
                "the defect is in the referenced delta VMDK (VMDK reader's job)"
            table[templates + section + "/Neg/not_in_order_disks.ovf"] =
                "Disks listed out of id order is not an OVF rule; Ferry orders devices by controller and unit"
            table[templates + section + "/Neg/no_format.ovf"] =
                "ovf:format missing: a warning, since the VMDK reader identifies the file itself and virt-v2v's and govmomi's own packages omit it"
        }
        for section in ["Envelope", "Envelope_1_0"] {
            table[templates + section + "/Neg/invalid_ref_size_neg.ovf"] =
                "File ovf:size=\"0\" for dummy.vmdk: the positive valid_vmdk_zero_size carries the same placeholder; the real size is checked against the OVA member"
            table[templates + section + "/Neg/invalid_ref_size_null.ovf"] =
                "no ovf:size, like the positive valid_vmdk_no_size; the difference is the referenced file"
            table[templates + section + "/Neg/invalid_vmdk.ovf"] =
                "differs from Pos/valid_vmdk only in the referenced file (dummy.vmdk) and its size"
            table[templates + section + "/Neg/section_withnoinfo.ovf"] =
                "a section without <Info>: noted, not refused (govmomi's own fixtures omit AnnotationSection's Info); a content without Info is refused"
        }
        table[templates + "Envelope/Neg/gzip_compression.ovf"] =
            "the same descriptor as Pos/gzip_compression but for the referenced file and its size"
        table[templates + "Envelope/Neg/identity_compression.ovf"] =
            "the same descriptor as Pos/identity_compression but for the namespace prefix"
        table[templates + "Envelope_1_0/Neg/invalid_no_version.ovf"] =
            "differs from Pos/valid_vmdk in the referenced file and an unattached Disk; unattached Disks occur in real exports (vCSA)"
        table[templates + "HttpLocators/Neg/valid_no_disk.ovf"] =
            "the disk is missing on the HTTP server; needs the network"
        for section in ["HttpLocators", "HttpLocators_1_0"] {
            table[templates + section + "/Neg/valid_no_disk_in_server.ovf"] =
                "the disk is missing on the HTTP server; needs the network"
        }
        for section in ["VirtualHardware", "VirtualHardware_1_0"] {
            table[templates + section + "/Neg/empty_system.ovf"] =
                "differs from Pos/empty_system only in the File size and capacity of the referenced disk"
        }
        return table
    }()

    @Test func corpus() throws {
        let start = Date()
        let rows = try PeerData.table("govmomi/INDEX.tsv").filter { $0["path"]?.lowercased().hasSuffix(".ovf") == true }
        #expect(rows.count == 958, "957 .ovf and one .OVF")
        var problems: [String] = []
        var counts = (positive: 0, parsed: 0, negative: 0, refused: 0)
        for row in rows {
            let path = row["path"]!
            let positive = row["govmomi_expectation"] == "positive"
            var outcome: Result<OVFDescriptor, VMwareConfigError>
            do {
                outcome = .success(try OVFParser().parse(contentsOf: PeerData.path("govmomi/" + path)))
            } catch {
                outcome = .failure(error)
            }
            if positive {
                counts.positive += 1
                switch (outcome, Self.refusedPositives[path]) {
                case (.success(let descriptor), nil):
                    counts.parsed += 1
                    problems += Self.sanity(descriptor, path)
                case (.failure(let error), nil): problems.append("positive refused: \(error)")
                case (.success, _?): problems.append("documented deviation now parses (update the list): \(path)")
                case (.failure(let error), let (code, _)?):
                    if error.code != code { problems.append("refused with \(error.code), expected \(code): \(error)") }
                }
            } else {
                counts.negative += 1
                switch (outcome, Self.acceptedNegatives[path]) {
                case (.failure, nil): counts.refused += 1
                case (.success, nil): problems.append("negative accepted: \(path)")
                case (.failure(let error), _?):
                    problems.append("documented acceptance now refused (update the list): \(error)")
                case (.success, _?): break
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.joined(separator: "\n"))")
        #expect(counts.positive == 812 && counts.negative == 146)
        #expect(counts.parsed == 812 - Self.refusedPositives.count)
        #expect(counts.refused == 146 - Self.acceptedNegatives.count)
        #expect(Date().timeIntervalSince(start) < 30, "the whole corpus stays fast")
    }

    /// What every parsed VM must satisfy, whatever its source.
    static func sanity(_ descriptor: OVFDescriptor, _ path: String) -> [String] {
        var problems: [String] = []
        for vm in descriptor.virtualMachines {
            if vm.memoryMiB <= 0 || vm.vcpus <= 0 || vm.vcpus % vm.coresPerSocket != 0 {
                problems.append("\(path): \(vm.name) has \(vm.memoryMiB) MiB, \(vm.vcpus) vCPUs / \(vm.coresPerSocket)")
            }
            let keys = vm.disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)" }
            if Set(keys).count != keys.count {
                problems.append("\(path): \(vm.name) has two devices on one address: \(keys)")
            }
            for disk in vm.disks where disk.backing == .file {
                if disk.fileName == nil { problems.append("\(path): a file-backed device without a file name") }
            }
        }
        // An empty VirtualSystemCollection (a vApp shell; 33 files here) legitimately
        // yields no VM: there is nothing to import, which the importer reports.
        return problems
    }

    /// govmomi's one precise expectation on this corpus (ovf/importer tests).
    @Test func storageGroupWithDisk() throws {
        let descriptor = try OVFParser().parse(
            contentsOf: PeerData.path("govmomi/ovf/fixtures/external/ImportOvf2014/storagegroupWithDisk.ovf"))
        let vm = try #require(descriptor.virtualMachines.first)
        #expect(vm.disks.count == 1)
        #expect(vm.disks.first?.controllerModel == .buslogic)
        #expect(vm.disks.first?.capacityBytes == 107_373_568)
        #expect(vm.disks.first?.fileName == "UnOS2.vmdk")
    }

    /// BAD-INPUT-CASES, "unknown sections": optional ones are tolerated.
    @Test func unknownOptionalSections() throws {
        for name in ["unknownSectionsVApp", "unknownSectionsVm"] {
            let descriptor = try OVFParser().parse(
                contentsOf: PeerData.path("govmomi/ovf/fixtures/external/unsupported-ovfs/\(name).ovf"))
            #expect(!descriptor.virtualMachines.isEmpty)
        }
    }
}
