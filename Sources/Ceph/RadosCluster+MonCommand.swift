import CCeph
import Foundation

extension RadosCluster {
    /// Sends a JSON command to the monitors (`rados_mon_command`), as `ceph <command>` does.
    ///
    /// - Returns: the command's output buffer (usually JSON when `"format": "json"` is asked for).
    /// - Throws: `CephError` carrying the monitor's status text in `detail`.
    public func monitorCommand(_ command: [String: String]) throws(CephError) -> Data {
        let json: String
        do {
            json = String(decoding: try JSONSerialization.data(withJSONObject: command, options: [.sortedKeys]),
                          as: UTF8.self)
        } catch {
            throw CephError(code: .invalidArgument, errno: 0, operation: "ceph \(command["prefix"] ?? "?")")
        }
        let label = "ceph \(command["prefix"] ?? "command")"
        return try withHandle(label) { (cluster) throws(CephError) -> Data in
            var output: UnsafeMutablePointer<CChar>?
            var outputLength = 0
            var status: UnsafeMutablePointer<CChar>?
            var statusLength = 0
            let result = json.withCString { text in
                var commands: [UnsafePointer<CChar>?] = [text]
                return rados_mon_command(cluster, &commands, 1, nil, 0, &output, &outputLength, &status, &statusLength)
            }
            defer {
                if let output { rados_buffer_free(output) }
                if let status { rados_buffer_free(status) }
            }
            if result < 0 {
                let statusText = status.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: statusLength), as: UTF8.self) }
                throw CephError(returnValue: Int(result), operation: label, detail: statusText)
            }
            guard let output, outputLength > 0 else { return Data() }
            return Data(bytes: output, count: outputLength)
        }
    }

    /// Every monitor of the cluster with all of its addresses (`ceph mon dump`), in monmap
    /// order. libvirt's RBD disks must list them all so a guest survives a monitor outage.
    public func monitors() throws(CephError) -> [Monitor] {
        let data = try monitorCommand(["prefix": "mon dump", "format": "json"])
        do {
            return try JSONDecoder().decode(MonitorMap.self, from: data).mons.map { entry in
                let addresses = entry.publicAddrs?.addrvec.compactMap { MonitorAddress(type: $0.type, address: $0.addr) }
                    ?? entry.addr.flatMap { MonitorAddress(type: "v1", address: $0) }.map { [$0] } ?? []
                return Monitor(name: entry.name, addresses: addresses)
            }
        } catch {
            throw CephError(code: .io, errno: 0, operation: "ceph mon dump", detail: "unreadable monitor map: \(error)")
        }
    }
}

/// One Ceph monitor and the addresses it listens on.
public struct Monitor: Sendable, Hashable, Codable {
    public var name: String
    public var addresses: [MonitorAddress]

    public init(name: String, addresses: [MonitorAddress]) {
        self.name = name
        self.addresses = addresses
    }
}

/// A monitor address: protocol `v2` (msgr2, usually port 3300) or `v1` (legacy, 6789).
public struct MonitorAddress: Sendable, Hashable, Codable {
    public var type: String
    public var host: String
    public var port: Int

    public init(type: String, host: String, port: Int) {
        self.type = type
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:3300/0` or `[::1]:6789/0` (the `/nonce` suffix is dropped).
    init?(type: String, address: String) {
        let withoutNonce = address.split(separator: "/").first.map(String.init) ?? address
        guard let colon = withoutNonce.lastIndex(of: ":"), let port = Int(withoutNonce[withoutNonce.index(after: colon)...])
        else { return nil }
        var host = String(withoutNonce[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.type = type
        self.host = host
        self.port = port
    }
}

/// The parts of `ceph mon dump --format json` Ferry reads.
private struct MonitorMap: Decodable {
    struct Entry: Decodable {
        struct AddressVector: Decodable {
            struct Address: Decodable {
                var type: String
                var addr: String
            }
            var addrvec: [Address]
        }
        var name: String
        var publicAddrs: AddressVector?
        var addr: String?

        enum CodingKeys: String, CodingKey {
            case name, addr
            case publicAddrs = "public_addrs"
        }
    }
    var mons: [Entry]
}
