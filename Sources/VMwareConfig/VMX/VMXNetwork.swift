/// Network adapters of a VMX.
extension VMXReader {
    /// Every present `ethernetN`, by index.
    mutating func readNetworkInterfaces() throws(VMwareConfigError) -> [NetworkInterface] {
        var result: [NetworkInterface] = []
        for index in indices(of: "ethernet") {
            let prefix = "ethernet\(index)"
            guard try document.bool("\(prefix).present", default: false) else { continue }
            var nic = NetworkInterface(
                index: index, startConnected: try document.bool("\(prefix).startConnected", default: true))

            if let name = try document.lowercased("\(prefix).virtualDev") {
                var model = NICModel(rawValue: name)
                // Enhanced vmxnet is written as vmxnet plus a feature mask; 15 is what
                // every VMware product writes for it.
                if model == .vmxnet, try document.integer("\(prefix).features") == 15 { model = .vmxnet2 }
                if !NICModel.known.contains(model) {
                    warnings.append("\(prefix).virtualDev \"\(name)\" is not a NIC model Ferry knows")
                }
                nic.model = model
            }

            let addressType = try document.lowercased("\(prefix).addressType") ?? "generated"
            let macKey: String
            switch addressType {
            case "generated":
                nic.addressType = .generated
                macKey = "\(prefix).generatedAddress"
            case "vpx":
                nic.addressType = .vpx
                macKey = "\(prefix).generatedAddress"
            case "static":
                nic.addressType = .static
                macKey = "\(prefix).address"
                guard document.contains(macKey) else {
                    throw document.error(
                        .missingField, "\(prefix).addressType", "\(prefix) has a static MAC but no \(macKey)")
                }
            default:
                throw document.invalid(document.entry("\(prefix).addressType")!, "is not generated, static or vpx")
            }
            if let entry = document.entry(macKey), !entry.rawValue.trimmingSpaces().isEmpty {
                guard let mac = Identifiers.mac(entry.rawValue) else {
                    throw document.invalid(entry, "is not a MAC address")
                }
                nic.mac = mac
            }

            nic.networkName = try document.string("\(prefix).networkName").flatMap { $0.isEmpty ? nil : $0 }
            nic.connectionType = try document.lowercased("\(prefix).connectionType")
            if nic.connectionType == "hostonly" {
                warnings.append(
                    "\(prefix) is on a host-only network, which has no counterpart on the target; map it explicitly")
            }
            if document.contains("\(prefix).dvs.switchId") {
                nic.distributedSwitchID = try document.uuid("\(prefix).dvs.switchId")
                nic.distributedPortGroup = try document.text("\(prefix).dvs.portgroupId").flatMap {
                    $0.isEmpty ? nil : $0
                }
            }
            result.append(nic)
        }
        return result
    }
}
