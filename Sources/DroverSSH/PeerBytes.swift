/// How sentences show what a server sent: bytes a hostile peer chose must reach no terminal raw.
enum PeerBytes {
    /// The first `limit` bytes in double quotes: printable ASCII as it is (`"` and `\` escaped), anything else as
    /// `\xNN`, then `…` when there was more.
    static func quote(_ bytes: some Collection<UInt8>, limit: Int = 32) -> String {
        var text = "\""
        for byte in bytes.prefix(limit) {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E: text += String(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return text + (bytes.count > limit ? "…\"" : "\"")
    }

    /// `14 bytes`, `3.2 MB`.
    static func size(_ count: UInt64) -> String {
        if count < 1000 { return "\(count) byte\(count == 1 ? "" : "s")" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(count) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
