/// One host of the inventory, with its connection settings resolved.
public struct Host: Sendable, Hashable {
    /// The inventory name (`app01.prod.example`).
    public var name: String
    public var connection: ConnectionSettings

    public init(name: String, connection: ConnectionSettings) {
        self.name = name
        self.connection = connection
    }
}
