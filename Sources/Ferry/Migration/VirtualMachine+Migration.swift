import VMwareConfig

extension VirtualMachine {
    /// The hard disks whose images Ferry imports, in the VM's boot order; a
    /// ``DomainPlan/disks`` array is parallel to this one.
    public var importableDisks: [DiskDevice] {
        disks.filter { $0.deviceType == .disk }
    }
}

extension DiskDevice {
    /// VMware's name for the slot, as a .vmx writes it: `scsi0:1`, `sata0:0`, `ide1:0`.
    var slotName: String {
        "\(bus.rawValue)\(controller):\(unit)"
    }
}
