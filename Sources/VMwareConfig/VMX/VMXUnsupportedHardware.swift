/// Hardware that exists on the VMware side and cannot be carried to KVM. It does not stop
/// the migration, but the operator must hear about it before the guest boots elsewhere.
extension VMXReader {
    mutating func noteUnsupportedHardware() throws(VMwareConfigError) {
        for index in indices(of: "pciPassthru") where try document.bool("pciPassthru\(index).present", default: false) {
            let device = try document.text("pciPassthru\(index).deviceId") ?? "unknown device"
            warnings.append("pciPassthru\(index) (\(device)) is a PCI pass-through device; it stays with the ESXi host")
        }
        if try document.bool("vtpm.present", default: false) {
            warnings.append(
                "the VM has a virtual TPM; its keys stay on VMware, so BitLocker or measured boot in the guest will ask for recovery"
            )
        }
        for index in indices(of: "nvdimm") where try document.bool("nvdimm\(index).present", default: false) {
            warnings.append("nvdimm\(index) is a virtual NVDIMM; its contents are not migrated")
        }
        for index in indices(of: "parallel") where try document.bool("parallel\(index).present", default: false) {
            warnings.append("parallel\(index) is a parallel port; Ferry does not recreate it")
        }
        if !(try document.bool("isolation.tools.hgfs.disable", default: false)) {
            for index in indices(of: "sharedFolder") {
                guard try document.bool("sharedFolder\(index).present", default: false),
                    try document.bool("sharedFolder\(index).enabled", default: false)
                else { continue }
                let path = try document.string("sharedFolder\(index).hostPath") ?? "?"
                warnings.append(
                    "sharedFolder\(index) shares host folder \"\(path)\" with the guest (VMware HGFS); it does not move"
                )
            }
        }
    }
}
