import CCeph

#if canImport(Glibc)
import Glibc
#endif

/// Advisory locks on RADOS objects (the `lock` object class), used as leases: a lock taken with
/// a duration lapses by itself when its holder dies, so another client can take over.
extension IOContext {
    /// Who holds a lock: the RADOS client instance (`client.4123`), its cookie and address.
    public struct Locker: Sendable, Hashable {
        public var client: String
        public var cookie: String
        public var address: String
    }

    /// Takes (or, with `renew`, extends) an exclusive lock (`rados_lock_exclusive`).
    ///
    /// - Parameters:
    ///   - duration: how long the lock lasts without renewal; `nil` for ever.
    ///   - renew: extend a lock this (client, cookie) already holds, or take it if it lapsed.
    /// - Returns: `false` when another holder has it (EBUSY); `true` when this caller holds it now.
    public func lockExclusive(
        _ object: String, lock name: String, cookie: String, description: String = "", duration: Duration?,
        renew: Bool = false
    ) throws(CephError) -> Bool {
        let operation = "rados lock \(object) \(name)"
        var interval: timeval? = duration.map { duration in
            let (seconds, attoseconds) = duration.components
            return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        }
        let flags = renew ? UInt8(LIBRADOS_LOCK_FLAG_MAY_RENEW) : 0
        let result = try withHandle(operation) { context in
            if interval != nil {
                return rados_lock_exclusive(context, object, name, cookie, description, &interval!, flags)
            }
            return rados_lock_exclusive(context, object, name, cookie, description, nil, flags)
        }
        if result == -EBUSY { return false }
        // Without `renew`, EEXIST means this very (client, cookie) already holds it.
        if result == -EEXIST { return true }
        try check(result, operation, pool: displayName)
        return true
    }

    /// Releases a lock this client holds (`rados_unlock`); `false` if it was not held (lapsed or broken).
    @discardableResult
    public func unlock(_ object: String, lock name: String, cookie: String) throws(CephError) -> Bool {
        let result = try withHandle("rados unlock \(object) \(name)") { rados_unlock($0, object, name, cookie) }
        if result == -ENOENT { return false }
        try check(result, "rados unlock \(object) \(name)", pool: displayName)
        return true
    }

    /// The current holders of a lock (`rados_list_lockers`); empty when nobody holds it.
    public func lockers(_ object: String, lock name: String) throws(CephError) -> [Locker] {
        let operation = "rados list lockers \(object) \(name)"
        var sizes = (tag: 64, clients: 256, cookies: 256, addresses: 512)
        while true {
            var exclusive: Int32 = 0
            var tag = [CChar](repeating: 0, count: sizes.tag)
            var clients = [CChar](repeating: 0, count: sizes.clients)
            var cookies = [CChar](repeating: 0, count: sizes.cookies)
            var addresses = [CChar](repeating: 0, count: sizes.addresses)
            var tagLength = sizes.tag
            var clientsLength = sizes.clients
            var cookiesLength = sizes.cookies
            var addressesLength = sizes.addresses
            let result = try withHandle(operation) { context in
                rados_list_lockers(
                    context, object, name, &exclusive, &tag, &tagLength, &clients, &clientsLength, &cookies,
                    &cookiesLength, &addresses, &addressesLength)
            }
            if result == -ENOENT { return [] }
            if result == -ERANGE {
                sizes = (
                    max(tagLength, sizes.tag * 2), max(clientsLength, sizes.clients * 2),
                    max(cookiesLength, sizes.cookies * 2), max(addressesLength, sizes.addresses * 2)
                )
                continue
            }
            try check(Int32(clamping: result), operation, pool: displayName)
            let count = Int(result)
            let clientList = Self.split(clients, length: clientsLength)
            let cookieList = Self.split(cookies, length: cookiesLength)
            let addressList = Self.split(addresses, length: addressesLength)
            return (0..<min(count, clientList.count, cookieList.count)).map {
                Locker(client: clientList[$0], cookie: cookieList[$0], address: $0 < addressList.count ? addressList[$0] : "")
            }
        }
    }

    /// Removes another client's lock (`rados_break_lock`); `false` if it was already gone.
    @discardableResult
    public func breakLock(_ object: String, lock name: String, holder: Locker) throws(CephError) -> Bool {
        let result = try withHandle("rados break lock \(object) \(name)") {
            rados_break_lock($0, object, name, holder.client, holder.cookie)
        }
        if result == -ENOENT { return false }
        try check(result, "rados break lock \(object) \(name)", pool: displayName)
        return true
    }

    private static func split(_ buffer: [CChar], length: Int) -> [String] {
        buffer.prefix(length).split(separator: 0, omittingEmptySubsequences: true).map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
