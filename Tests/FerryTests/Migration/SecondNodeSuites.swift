import Testing

/// Suites that use the second libvirt node, one after another: one of them stops that node's
/// libvirtd on purpose, which must not happen while another places domains there.
@Suite(.serialized)
struct SecondNodeSuites {}
