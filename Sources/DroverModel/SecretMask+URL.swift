extension SecretMask {
    /// A URL for display, cut after its host: `https://hooks.example/T000/B000` → `https://hooks.example/…`, with any
    /// `user:password@` dropped. Nil when the text has no `scheme://` (then any part of it may be a token, and none
    /// is shown).
    public static func maskedURL(_ url: String) -> String? {
        guard let separator = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound]
        guard (1...16).contains(scheme.count), scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        let rest = url.utf8[separator.upperBound...]
        let host = urlHost(rest)
        let authorityLength = rest.prefix { !"/?#".utf8.contains($0) }.count
        let shownHost = host.allSatisfy { $0.isASCII && !$0.isWhitespace } ? host : "…"
        return scheme + "://" + shownHost + (rest.count > authorityLength ? "/…" : "")
    }

    /// The host (and port) of a URL's authority (the text after `scheme://`), without any `user:password@`.
    public static func urlHost(_ rest: Substring.UTF8View) -> String {
        let authority = rest.prefix { !"/?#".utf8.contains($0) }
        let host =
            authority.lastIndex(of: UInt8(ascii: "@")).map { authority[authority.index(after: $0)...] } ?? authority
        return String(decoding: host.prefix(253), as: UTF8.self)
    }
}
