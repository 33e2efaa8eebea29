import CCeph

/// Settings for a new RBD image (`rbd_image_options_t` for `rbd_create4`).
///
/// Every field left `nil` takes the cluster's default, exactly as `rbd create` would.
public struct ImageCreateOptions: Sendable, Hashable {
    /// Object size as a power of two (22 → 4 MiB objects).
    public var order: Int?
    public var features: ImageFeatures?
    public var stripeUnit: UInt64?
    public var stripeCount: UInt64?
    /// A separate (e.g. erasure-coded) pool for the data objects.
    public var dataPool: String?

    public init(
        order: Int? = nil, features: ImageFeatures? = nil, stripeUnit: UInt64? = nil, stripeCount: UInt64? = nil,
        dataPool: String? = nil
    ) {
        self.order = order
        self.features = features
        self.stripeUnit = stripeUnit
        self.stripeCount = stripeCount
        self.dataPool = dataPool
    }

    /// Sets `order` from an object size in bytes; `nil` unless it is a power of two from 4 KiB to 32 MiB,
    /// the range librbd accepts.
    public static func order(forObjectSize bytes: UInt64) -> Int? {
        guard bytes >= 4096, bytes <= 32 << 20, bytes & (bytes - 1) == 0 else { return nil }
        return bytes.trailingZeroBitCount
    }

    /// Builds the C options, lends them to `body`, and destroys them afterwards.
    func withOptions<T>(
        _ target: String, _ body: (rbd_image_options_t) throws(CephError) -> T
    ) throws(CephError) -> T {
        var raw: rbd_image_options_t?
        rbd_image_options_create(&raw)
        guard let options = raw else { throw CephError(code: .unknown, errno: 0, operation: "rbd image options") }
        defer { rbd_image_options_destroy(options) }
        func set(_ option: Int, _ value: UInt64?, _ name: String) throws(CephError) {
            guard let value else { return }
            try check(rbd_image_options_set_uint64(options, Int32(option), value), "rbd create \(target): set \(name)")
        }
        try set(RBD_IMAGE_OPTION_ORDER, order.map(UInt64.init), "order")
        try set(RBD_IMAGE_OPTION_FEATURES, features?.rawValue, "features")
        try set(RBD_IMAGE_OPTION_STRIPE_UNIT, stripeUnit, "stripe unit")
        try set(RBD_IMAGE_OPTION_STRIPE_COUNT, stripeCount, "stripe count")
        if let dataPool {
            try check(
                rbd_image_options_set_string(options, Int32(RBD_IMAGE_OPTION_DATA_POOL), dataPool),
                "rbd create \(target): set data pool")
        }
        return try body(options)
    }
}
