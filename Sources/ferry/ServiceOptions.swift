import ArgumentParser
import Ceph
import Ferry

/// `--config FILE` plus the rbd-style Ceph options, for the verbs that use the job queue.
/// Without a file: the queue is rbd/ferry-queue, the one node is this host's libvirt.
struct ServiceOptions: ParsableArguments {
    @Option(help: "Service configuration file (YAML; see config/ferry.example.yaml).")
    var config: String?

    @OptionGroup var ceph: CephOptions

    func loadConfiguration() throws -> ServiceConfiguration {
        try config.map { path throws -> ServiceConfiguration in try ServiceConfiguration(contentsOf: path) } ?? ServiceConfiguration()
    }

    func runtime() throws -> ServiceRuntime {
        let runtime = try ServiceRuntime(configuration: try loadConfiguration(), fallback: ceph.clusterConfiguration)
        if let warning = runtime.cluster.keyringExposureWarning() { Output.standardError("ferry: warning: \(warning)\n") }
        return runtime
    }
}
