import Foundation

/// virt-v2v's `--print-source` output (the `.expected` files of its tests), parsed into the
/// fields it shares with Ferry's model.
struct V2VExpected {
    struct NIC: Equatable {
        var bridged: Bool
        var name: String
        var mac: String?
        var model: String
    }

    var name = ""
    var genid: String?
    var memoryBytes: UInt64 = 0
    var vcpus = 0
    var topology: (sockets: Int, cores: Int, threads: Int)?
    var firmware = ""
    var secureBoot = false
    /// Hard disks' buses, in order.
    var disks: [String] = []
    /// Removable media as (kind, bus, slot).
    var removable: [(kind: String, bus: String, slot: Int?)] = []
    var nics: [NIC] = []

    init(_ text: String) {
        var section = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if line.hasPrefix("\t") {
                let item = line.dropFirst()
                switch section {
                case "disks":
                    if let open = item.firstIndex(of: "["), let close = item.firstIndex(of: "]") {
                        disks.append(String(item[item.index(after: open)..<close]))
                    }
                case "removable media":
                    // "CD-ROM [ide] in slot 2"
                    let parts = item.split(separator: " ")
                    let bus = parts.first { $0.hasPrefix("[") }.map { String($0.dropFirst().dropLast()) } ?? ""
                    removable.append((String(parts[0]), bus, parts.last.flatMap { Int($0) }))
                case "NICs":
                    // Network "VM Network" mac: 00:0c:29:36:ef:31 [vmxnet3]   |   Bridge "x" [e1000]
                    let quoted = item.split(separator: "\"", omittingEmptySubsequences: false)
                    let rest = quoted.count > 2 ? quoted[2] : ""
                    let mac = rest.range(of: "mac: ").map { String(rest[$0.upperBound...].prefix(17)) }
                    let model = rest.split(separator: "[").last.map { String($0.dropLast()) } ?? ""
                    nics.append(NIC(bridged: item.hasPrefix("Bridge"), name: String(quoted[1]), mac: mac, model: model))
                default: break
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix(":"), !trimmed.contains(": ") {
                section = String(trimmed.dropLast())
                continue
            }
            guard let colon = trimmed.range(of: ": ") ?? trimmed.range(of: ":") else { continue }
            let key = trimmed[..<colon.lowerBound]
            let value = trimmed[colon.upperBound...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "source name": name = value
            case "VM genid": genid = value.isEmpty ? nil : value
            case "memory": memoryBytes = UInt64(value.split(separator: " ").first ?? "") ?? 0
            case "nr vCPUs": vcpus = Int(value) ?? 0
            case "CPU topology":
                let numbers = value.split(separator: " ").compactMap { Int($0) }
                if numbers.count == 3 { topology = (numbers[0], numbers[1], numbers[2]) }
            case "firmware": firmware = value
            case "UEFI secureboot": secureBoot = value == "true"
            default: break
            }
        }
    }
}
