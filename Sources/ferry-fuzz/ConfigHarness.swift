import Ferry
import VMwareConfig

/// The text formats: the input is the whole file, parsed from memory.
enum ConfigHarness {
    static let vmxFile = "fuzz.vmx"
    static let ovfFile = "fuzz.ovf"
    static let planFile = "/ferry-fuzz/plan.yaml"

    static func vmx(_ bytes: [UInt8]) -> Outcome {
        do throws(VMwareConfigError) {
            let document = try VMXDocument(bytes: bytes, file: vmxFile)
            // A folder that does not exist: relative disk names resolve against it, harmlessly.
            let machine = try VMXParser().parse(document, vmxDirectory: "/nonexistent/ferry-fuzz")
            return .accepted("\(machine.name): \(machine.disks.count) disks, \(machine.nics.count) NICs")
        } catch {
            return .rejected(checked(error, file: vmxFile))
        }
    }

    static func ovf(_ bytes: [UInt8]) -> Outcome {
        do throws(VMwareConfigError) {
            let descriptor = try OVFParser().parse(bytes, file: ovfFile)
            return .accepted(
                "OVF \(descriptor.version): \(descriptor.files.count) files, \(descriptor.disks.count) disks")
        } catch {
            return .rejected(checked(error, file: ovfFile))
        }
    }

    static func plan(_ bytes: [UInt8]) -> Outcome {
        do throws(PlanError) {
            let plan = try MigrationPlan(yaml: String(decoding: bytes, as: UTF8.self), source: planFile)
            return .accepted("plan \(plan.name): \(plan.vms.count) VMs")
        } catch {
            guard error.source == planFile, !error.message.isEmpty else {
                violation("PlanError does not name the plan: source=\"\(error.source)\" message=\"\(error.message)\"")
            }
            return .rejected(error.description)
        }
    }

    private static func checked(_ error: VMwareConfigError, file: String) -> String {
        guard error.file == file, !error.message.isEmpty else {
            violation("VMwareConfigError does not name the file: file=\"\(error.file)\" message=\"\(error.message)\"")
        }
        return "\(error.code): \(error)"
    }
}
