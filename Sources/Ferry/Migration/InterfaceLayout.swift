import VMwareConfig

/// What each VMware NIC becomes: where it is plugged, which model the guest sees, its MAC.
struct InterfaceLayout {
    struct Interface {
        var nic: NetworkInterface
        var target: NetworkTarget
        /// libvirt's model name: virtio, e1000, e1000e, vmxnet3.
        var model: String
    }

    var interfaces: [Interface] = []
    var notes: [String] = []

    /// - Throws: `MigrationError` `.unmappedNetworks` naming every VMware network the plan
    ///   does not map (all at once, so one fix-up round is enough), when there is no default.
    init(machine: VirtualMachine, plan: DomainPlan) throws(MigrationError) {
        var unmapped: [String] = []
        for nic in machine.nics {
            let label = "ethernet\(nic.index)"
            // A NIC on a distributed switch may carry only its port group key.
            let network = nic.networkName ?? nic.distributedPortGroup
            guard let target = network.flatMap({ plan.networks[$0] }) ?? plan.defaultNetwork else {
                let name = network.map { "\"\($0)\"" } ?? "\(label) (no network name)"
                if !unmapped.contains(name) { unmapped.append(name) }
                continue
            }
            let model = Self.model(for: nic.model, plan: plan)
            if let original = nic.model, original.rawValue != model {
                notes.append("\(label) (\(original)) becomes \(model == "virtio" ? "virtio-net" : model)")
            }
            if nic.mac == nil {
                notes.append("\(label) has no MAC address in the VMware configuration; libvirt generates one")
            }
            interfaces.append(Interface(nic: nic, target: target, model: model))
        }
        guard unmapped.isEmpty else {
            throw MigrationError(
                code: .unmappedNetworks,
                message: "unmapped networks: \(unmapped.joined(separator: ", ")) "
                    + "(map each with NAME=bridge:BR, NAME=network:NET or NAME=ovs:BR, or give a default)")
        }
        if let network = plan.defaultNetwork {
            let defaulted = machine.nics.filter { nic in
                (nic.networkName ?? nic.distributedPortGroup).flatMap { plan.networks[$0] } == nil
            }
            for nic in defaulted {
                let name = (nic.networkName ?? nic.distributedPortGroup).map { "\"\($0)\"" } ?? "no network"
                notes.append("ethernet\(nic.index) (\(name)) goes to the default \(network)")
            }
        }
    }

    /// virtio-net unless the plan keeps an emulated model QEMU has.
    private static func model(for vmware: NICModel?, plan: DomainPlan) -> String {
        switch vmware {
        case .e1000? where plan.keepNICModels: "e1000"
        case .e1000e? where plan.keepNICModels: "e1000e"
        case .vmxnet3? where plan.emulateVMwareParavirtual: "vmxnet3"
        default: "virtio"
        }
    }
}
