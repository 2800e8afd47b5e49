extension ConnectionSettings {
    /// The machine a connection reaches, as host leases name it: `address:port` once ssh_config is applied
    /// (lower-cased; an IPv6 address in brackets), behind its jump chain (`bastion:22>10.0.0.5:22`, since the same
    /// private address behind two jump hosts is two machines). Two inventory names for one machine have one key.
    /// No DNS lookup: names that resolve to one address but are written differently are different keys.
    public var machineKey: String {
        (proxyJump.map { Self.endpoint($0.address, $0.port) } + [Self.endpoint(address, port)]).joined(separator: ">")
    }

    private static func endpoint(_ address: String, _ port: Int) -> String {
        var host = address.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }
}
