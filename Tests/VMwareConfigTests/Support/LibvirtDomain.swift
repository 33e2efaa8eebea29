import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The fields of a libvirt domain XML (as libvirt's vmx2xml tests expect it) that a VMX also
/// expresses, read with XMLParser so the conformance tests compare meaning, not text.
struct LibvirtDomain {
    struct Disk {
        var type = ""  // file or block
        var device = ""  // disk, cdrom, floppy, lun
        var bus = ""
        var target = ""
        var source: String?
        var controller = 0
        var unit = 0
        var transient = false
    }

    struct Interface {
        var type = ""
        var mac: String?
        var macType: String?
        var model: String?
        var bridge: String?
        var switchID: String?
        var portgroupID: String?
    }

    var name = ""
    var uuid = ""
    var hwuuid: String?
    var genid: String?
    var description: String?
    var memoryKiB = 0
    var vcpus = 0
    var sockets: Int?
    var cores: Int?
    var firmwareEFI = false
    var secureBoot = false
    var disks: [Disk] = []
    var controllers: [(type: String, index: Int, model: String?)] = []
    var interfaces: [Interface] = []
    var serialCount = 0

    init(xml: Data) throws {
        let parser = XMLParser(data: xml)
        let reader = Reader()
        parser.delegate = reader
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        self = reader.domain
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var domain = LibvirtDomain(empty: ())
        var path: [String] = []
        var text = ""
        var disk: Disk?
        var interface: Interface?

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            path.append(name)
            text = ""
            let parent = path.dropLast().last ?? ""
            if name == "os", attributes["firmware"] == "efi" { domain.firmwareEFI = true }
            if name == "feature", path.contains("firmware"), attributes["name"] == "secure-boot",
                attributes["enabled"] == "yes"
            {
                domain.secureBoot = true
            }
            if name == "topology" {
                domain.sockets = attributes["sockets"].flatMap(Int.init)
                domain.cores = attributes["cores"].flatMap(Int.init)
            }
            if name == "disk", parent == "devices" {
                disk = Disk(type: attributes["type"] ?? "", device: attributes["device"] ?? "")
            }
            if var current = disk {
                switch name {
                case "source": current.source = attributes["file"] ?? attributes["dev"]
                case "target":
                    current.target = attributes["dev"] ?? ""
                    current.bus = attributes["bus"] ?? ""
                case "address":
                    current.controller = attributes["controller"].flatMap(Int.init) ?? 0
                    current.unit = attributes["unit"].flatMap(Int.init) ?? 0
                    // IDE: libvirt's "bus" attribute is the channel, which Ferry calls the controller.
                    if current.bus == "ide" { current.controller = attributes["bus"].flatMap(Int.init) ?? 0 }
                case "transient": current.transient = true
                default: break
                }
                disk = current
            }
            if name == "controller", parent == "devices" {
                domain.controllers.append(
                    (attributes["type"] ?? "", attributes["index"].flatMap(Int.init) ?? 0, attributes["model"]))
            }
            if name == "interface", parent == "devices" { interface = Interface(type: attributes["type"] ?? "") }
            if var current = interface {
                switch name {
                case "mac":
                    current.mac = attributes["address"]
                    current.macType = attributes["type"]
                case "model": current.model = attributes["type"]
                case "source":
                    current.bridge = attributes["bridge"]
                    current.switchID = attributes["switchid"]
                    current.portgroupID = attributes["portgroupid"]
                default: break
                }
                interface = current
            }
            if name == "serial", parent == "devices" { domain.serialCount += 1 }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(
            _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
        ) {
            let parent = path.dropLast().last ?? ""
            if parent == "domain" {
                switch name {
                case "name": domain.name = text
                case "uuid": domain.uuid = text
                case "hwuuid": domain.hwuuid = text
                case "genid": domain.genid = text
                case "description": domain.description = text
                case "memory": domain.memoryKiB = Int(text) ?? 0
                case "vcpu": domain.vcpus = Int(text) ?? 0
                default: break
                }
            }
            if name == "disk", parent == "devices", let disk {
                domain.disks.append(disk)
                self.disk = nil
            }
            if name == "interface", parent == "devices", let interface {
                domain.interfaces.append(interface)
                self.interface = nil
            }
            path.removeLast()
        }
    }

    private init(empty: Void) {}
}
