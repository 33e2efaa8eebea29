import Ceph
import Foundation
import Libvirt
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Test-side XML for libvirt objects; the real builders belong to the migration layer.
enum LibvirtFixtures {
    static func cephSecretXML(uuid: String, usage: String) -> String {
        """
        <secret ephemeral='no' private='yes'>
          <uuid>\(uuid)</uuid>
          <usage type='ceph'><name>\(usage)</name></usage>
        </secret>
        """
    }

    /// KVM when this machine has it, plain QEMU emulation (TCG) otherwise.
    static var domainType: String { open("/dev/kvm", O_RDWR) >= 0 ? "kvm" : "qemu" }

    /// A minimal BIOS guest whose only disk is an RBD network disk reached through every
    /// monitor address, authenticated with a libvirt ceph secret; serial output goes to a file.
    static func rbdDomainXML(
        name: String, pool: String, image: String, monitors: [Monitor], user: String, secretUUID: String,
        serialLog: String
    ) -> String {
        let hosts = monitors.flatMap(\.addresses).filter { $0.type == "v2" }.map {
            "<host name='\($0.host)' port='\($0.port)'/>"
        }
        return """
            <domain type='\(domainType)'>
              <name>\(name)</name>
              <memory unit='MiB'>64</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <devices>
                <disk type='network' device='disk'>
                  <driver name='qemu' type='raw' cache='none' discard='unmap'/>
                  <source protocol='rbd' name='\(pool)/\(image)'>
                    \(hosts.joined(separator: "\n        "))
                  </source>
                  <auth username='\(user)'><secret type='ceph' uuid='\(secretUUID)'/></auth>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='file'><source path='\(serialLog)'/><target port='0'/></serial>
              </devices>
            </domain>
            """
    }
}
