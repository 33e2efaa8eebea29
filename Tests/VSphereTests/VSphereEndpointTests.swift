import Foundation
import TestSupport
import Testing
import VSphere

@Suite("vSphere endpoints: inventory, credentials and certificates, against vcsim behind nginx", .serialized)
struct VSphereEndpointTests {
    /// A powered-off VM with one thin disk, a SATA RDM and an independent disk, for `ls`.
    private static func makeListedVM(_ name: String) throws -> String {
        let folder = try VCSim.folder(name)
        _ = try ChainFixture.write(in: folder, name: name, marker: "ls")
        // An RDM's mapping file: the harness only needs its -flat name to exist.
        _ = FileManager.default.createFile(atPath: "\(folder)/\(name)-rdm-flat.vmdk", contents: Data(count: 512))
        try VCSim.createVM([
            "name": name, "numCPUs": 4, "numCoresPerSocket": 2, "memoryMB": 2048, "firmware": "efi",
            "controllers": [["type": "pvscsi", "busNumber": 0], ["type": "nvme", "busNumber": 0]],
            "disks": [
                [
                    "controller": 0, "unitNumber": 0, "fileName": "\(name)-000002.vmdk", "capacityBytes": ChainFixture.capacity,
                    "thin": true, "parents": ["\(name)-000001.vmdk", "\(name).vmdk"],
                ],
                ["controller": 0, "unitNumber": 1, "fileName": "\(name)-rdm.vmdk", "capacityBytes": 512, "backing": "rdm"],
                [
                    "controller": 1, "unitNumber": 0, "fileName": "\(name)-data.vmdk", "capacityBytes": ChainFixture.capacity,
                    "diskMode": "independent_persistent",
                ],
            ],
            "nics": [["type": "e1000e", "mac": "00:50:56:aa:bb:cc", "network": "VM Network"]],
            "snapshots": ["one", "two"],
        ])
        return folder
    }

    @Test("vsphere ls --json lists a VM with its hardware, disks, snapshot chain, and what Ferry refuses")
    func listsInventory() throws {
        let name = TestEnvironment.uniqueName("vs-ls")
        let folder = try Self.makeListedVM(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        defer { VCSim.removeVM(name) }
        let sdk = try VCSim.sdkURL()
        let run = try FerryRun.run(["vsphere", "ls", VCSim.endpoint(sdk), "--json"] + (try VCSim.options(sdk)))
        #expect(run.status == 0, "\(run.standardError)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [[String: Any]])
        let vm = try #require(all.first { $0["name"] as? String == name })
        #expect(vm["source"] as? String == "vsphere://\(VCSim.endpoint(sdk))/\(try VCSim.datacenter())/\(name)")
        #expect(vm["powerState"] as? String == "poweredOff")
        #expect(vm["vcpus"] as? Int == 4 && vm["memoryMiB"] as? Int == 2048 && vm["firmware"] as? String == "efi")
        #expect(vm["snapshots"] as? [String] == ["one", "two"])
        let disks = try #require(vm["disks"] as? [[String: Any]])
        #expect(disks.map { $0["slot"] as? String } == ["scsi0:0", "scsi0:1", "nvme0:0"])
        #expect(disks[0]["backing"] as? String == "thin")
        #expect(disks[0]["parents"] as? [String] == ["[LocalDS_0] \(name)/\(name)-000001.vmdk", "[LocalDS_0] \(name)/\(name).vmdk"])
        #expect(disks[0]["capacityBytes"] as? Int == Int(ChainFixture.capacity))
        #expect(disks[1]["backing"] as? String == "rdm")
        let refusals = try #require(vm["refusals"] as? [String])
        #expect(refusals.contains { $0.contains("scsi0:1 is a raw device mapping") }, "\(refusals)")
        #expect(refusals.contains { $0.contains("nvme0:0 is an independent disk") }, "\(refusals)")
        let nics = try #require(vm["nics"] as? [[String: Any]])
        #expect(nics.first?["model"] as? String == "e1000e" && nics.first?["mac"] as? String == "00:50:56:aa:bb:cc")

        // migrate refuses it in one line, before anything is read from the datastore.
        let migrate = try FerryRun.run(
            ["migrate", "vsphere://\(VCSim.endpoint(sdk))/\(try VCSim.datacenter())/\(name)", "--pool", TestEnvironment.pool,
             "--conf", try TestEnvironment.cephConfigFile(), "--dry-run"] + (try VCSim.options(sdk)))
        #expect(migrate.status == 1)
        #expect(migrate.standardError.split(separator: "\n").count == 1, "\(migrate.standardError)")
        #expect(migrate.standardError.contains("raw device mapping"), "\(migrate.standardError)")
    }

    @Test("a wrong password is one line after a single Login; a wrong thumbprint is refused showing the one seen, before any password is sent")
    func refusesBadCredentials() throws {
        let sdk = try VCSim.sdkURL()
        let endpoint = VCSim.endpoint(sdk)
        let scratch = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let wrong = scratch.appendingPathComponent("wrong").path
        try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        _ = try Command.run(["chmod", "600", wrong])

        let logStart = try VCSim.accessLogSize()
        let refused = try FerryRun.run(
            ["vsphere", "ls", endpoint, "--vsphere-user", try VCSim.user(), "--vsphere-password-file", wrong,
             "--vsphere-thumbprint", try VCSim.thumbprint()])
        #expect(refused.status == 1)
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(refused.standardError.contains("login refused"), "\(refused.standardError)")
        let soapCalls = try VCSim.accessLogLines(since: logStart).filter { $0.contains("uri=\"/sdk\"") && $0.contains("port=18443") }
        #expect(soapCalls.count == 2, "RetrieveServiceContent and one Login, no retries: \(soapCalls.count)")

        let other = String(repeating: "AB:", count: 31) + "AB"
        let mismatch = try FerryRun.run(
            ["vsphere", "ls", endpoint, "--vsphere-thumbprint", other] + ["--vsphere-user", try VCSim.user(),
             "--vsphere-password-file", try VCSim.passwordFile()])
        #expect(mismatch.status == 1)
        #expect(mismatch.standardError.contains("presented a certificate with SHA-256 thumbprint \(try VCSim.thumbprint())"), "\(mismatch.standardError)")
        #expect(mismatch.standardError.split(separator: "\n").count == 1)

        // The system CAs do not know nginx's self-signed certificate either.
        let untrusted = try FerryRun.run(
            ["vsphere", "ls", endpoint, "--vsphere-user", try VCSim.user(), "--vsphere-password-file", try VCSim.passwordFile()])
        #expect(untrusted.status == 1)
        #expect(untrusted.standardError.split(separator: "\n").count == 1, "\(untrusted.standardError)")
        #expect(untrusted.standardError.contains("is not trusted"), "\(untrusted.standardError)")
        #expect(untrusted.standardError.contains(try VCSim.thumbprint()), "the admin is shown what to pin")
    }

    @Test("the password appears nowhere: not in ps, output, errors or inspect --json; a password file others can read is warned about")
    func passwordNeverShown() async throws {
        let name = TestEnvironment.uniqueName("vs-secret")
        let folder = try VCSim.folder(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try ChainFixture.write(in: folder, name: name, marker: "secret")
        try VCSim.createVM(fixture.spec(uuid: UUID().uuidString.lowercased(), instanceUUID: UUID().uuidString.lowercased()))
        defer { VCSim.removeVM(name) }
        let password = try VCSim.password()
        let sdk = try VCSim.sdkURL()
        let source = "vsphere://\(VCSim.endpoint(sdk))/\(try VCSim.datacenter())/\(name)"

        // A copy of the password file readable by everyone: used, and warned about.
        let scratch = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let open = scratch.appendingPathComponent("password").path
        try FileManager.default.copyItem(atPath: try VCSim.passwordFile(), toPath: open)
        _ = try Command.run(["chmod", "644", open])
        let options = ["--vsphere-user", try VCSim.user(), "--vsphere-password-file", open, "--vsphere-thumbprint", try VCSim.thumbprint()]

        let process = try FerryProcess.start(["inspect", source, "--json"] + options)
        var commandLines: [String] = []
        while process.isRunning {
            commandLines.append((try? String(contentsOfFile: "/proc/\(process.pid)/cmdline", encoding: .utf8)) ?? "")
            try await Task.sleep(for: .milliseconds(5))
        }
        let inspect = process.wait()
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("\"powerState\" : \"poweredOff\""))
        #expect(inspect.standardError.contains("can be read by others"), "\(inspect.standardError)")
        let failing = try FerryRun.run(["inspect", "vsphere://\(VCSim.endpoint(sdk))/\(try VCSim.datacenter())/no-such-vm"] + options)
        #expect(failing.status == 1 && failing.standardError.contains("has no VM no-such-vm"), "\(failing.standardError)")
        for text in commandLines + [inspect.standardOutput, inspect.standardError, failing.standardError] {
            #expect(!text.contains(password), "the password leaked")
        }
        #expect(!commandLines.isEmpty)
    }

    @Test("a session that expires between two calls is logged into again, once, and the second call answers")
    func reloginAfterExpiry() async throws {
        let sdk = try VCSim.sdkURL()
        let endpoint = try VSphereEndpoint(
            sdkURL: sdk, user: try VCSim.user(), password: try VSpherePassword.fromFile(try VCSim.passwordFile()).password,
            trust: try CertificateTrust.pinned(try VCSim.thumbprint()))
        let session = try await VSphereSession.open(endpoint)
        let before = try await session.datacenters()
        _ = try Command.run(["curl", "-sS", "--fail", "-X", "POST", try VCSim.variable("FERRY_VCSIM_CONTROL_URL") + "/sessions/expire"])
        let logStart = try VCSim.accessLogSize()
        let after = try await session.datacenters()
        await session.close()
        #expect(after.map(\.name) == before.map(\.name) && !after.isEmpty)
        // NotAuthenticated, Login, the call again (and the view's own calls around it).
        let soapCalls = try VCSim.accessLogLines(since: logStart).filter { $0.contains("uri=\"/sdk\"") && $0.contains("port=18443") }
        let faults = soapCalls.filter { $0.contains("status=500") }
        #expect(faults.count == 1, "one NotAuthenticated answer, then a working session: \(soapCalls)")
    }
}
