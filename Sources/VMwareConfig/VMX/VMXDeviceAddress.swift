/// A storage slot as a VMX names it: `scsi0:1`, `sata0:3`, `ide1:0`, `nvme0:2`, or
/// `floppy0` (controller 0, unit N).
struct VMXDeviceAddress: Hashable, Comparable {
    var bus: DiskDevice.Bus
    var controller: Int
    var unit: Int

    /// The key prefix: `scsi0:1`, or `floppy1` for floppies.
    var prefix: String {
        bus == .floppy ? "floppy\(unit)" : "\(bus.rawValue)\(controller):\(unit)"
    }

    /// The controller's key prefix (`scsi0`); floppies and IDE channels have none.
    var controllerPrefix: String? {
        switch bus {
        case .scsi, .sata, .nvme: "\(bus.rawValue)\(controller)"
        case .ide, .floppy: nil
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.bus.bootRank, lhs.controller, lhs.unit) < (rhs.bus.bootRank, rhs.controller, rhs.unit)
    }

    /// Parses a lowercased key of the form `BUSc:u.field` or `floppyN.field`; returns the
    /// address and the field, or nil for any other key.
    static func parse(_ key: String) -> (address: VMXDeviceAddress, field: String)? {
        guard let dot = key.firstIndex(of: ".") else { return nil }
        let device = key[..<dot]
        let field = String(key[key.index(after: dot)...])
        if device.hasPrefix("floppy") {
            guard let unit = Int(device.dropFirst("floppy".count)) else { return nil }
            return (VMXDeviceAddress(bus: .floppy, controller: 0, unit: unit), field)
        }
        let letters = device.prefix { $0.isLetter }
        guard let bus = DiskDevice.Bus(rawValue: String(letters)), bus != .floppy else { return nil }
        let numbers = device.dropFirst(letters.count).split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2, let controller = Int(numbers[0]), let unit = Int(numbers[1]),
            numbers[0].allSatisfy(\.isNumber), numbers[1].allSatisfy(\.isNumber)
        else { return nil }
        return (VMXDeviceAddress(bus: bus, controller: controller, unit: unit), field)
    }

    /// The controller and unit ranges VMware hardware allows: 4 SCSI controllers with up
    /// to 64 targets (pvscsi on hardware 13+; 7 is the controller's own ID on older ones),
    /// 4 SATA controllers × 30 ports, 2 IDE channels × 2, 4 NVMe controllers × 64
    /// namespaces, 2 floppy drives.
    var isInRange: Bool {
        switch bus {
        case .scsi: (0...3).contains(controller) && (0...64).contains(unit)
        case .sata: (0...3).contains(controller) && (0...29).contains(unit)
        case .ide: (0...1).contains(controller) && (0...1).contains(unit)
        case .nvme: (0...3).contains(controller) && (0...63).contains(unit)
        case .floppy: controller == 0 && (0...1).contains(unit)
        }
    }
}
