/// Serial ports of a VMX.
extension VMXReader {
    /// Every present `serialN`, by index.
    mutating func readSerialPorts() throws(VMwareConfigError) -> [SerialPort] {
        var result: [SerialPort] = []
        for index in indices(of: "serial") {
            let prefix = "serial\(index)"
            guard try document.bool("\(prefix).present", default: false) else { continue }
            result.append(
                SerialPort(
                    index: index, kind: try document.lowercased("\(prefix).fileType"),
                    target: try document.string("\(prefix).fileName").flatMap { $0.isEmpty ? nil : $0 }))
        }
        return result
    }
}
