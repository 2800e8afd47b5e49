public import DroverModel

/// Turns a `check` into the POSIX shell command that performs it on the host: exit 0 passes, anything else fails
/// with one line on stderr saying what was found. Every value is shell-quoted.
public enum CheckCommand {
    /// The command, or nil when a template cannot be rendered.
    public static func command(for check: Check, context: TemplateContext) -> String? {
        func text(_ template: Template) -> String? { context.render(template).map(ShellQuote.quote) }
        switch check {
        case .command(let command):
            return context.renderCommand(command)
        case .http(let url, let status, let body, let maxMs):
            guard let url = text(url) else { return nil }
            var script = """
                f=$(mktemp) || exit 2; out=$(curl -sS --max-time 10 -o "$f" -w '%{http_code} %{time_total}' \(url)) \
                || { rm -f "$f"; exit 2; }; code=${out%% *}; \
                if [ "$code" != \(status) ]; then echo "HTTP status $code, expected \(status)" >&2; rm -f "$f"; exit 1; fi
                """
            if let maxMs {
                // curl's time_total is seconds with a fraction: compared in awk, which reads it as a number.
                script += """
                    ; ms=$(echo "${out#* }" | awk '{ printf "%d", $1 * 1000 }'); if [ "$ms" -gt \(maxMs) ]; then \
                    echo "answered in $ms ms, more than max_ms \(maxMs)" >&2; rm -f "$f"; exit 1; fi
                    """
            }
            if let body {
                script += """
                    ; grep -qF -- \(ShellQuote.quote(body)) "$f" \
                    || { echo "the response does not contain the expected text" >&2; rm -f "$f"; exit 1; }
                    """
            }
            return script + "; rm -f \"$f\""
        case .tcp(let host, let port):
            guard let host = text(host) else { return nil }
            return """
                timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' \(host) \(port) 2>/dev/null \
                || { echo "nothing accepts TCP connections on "\(host)":\(port)" >&2; exit 1; }
                """
        case .diskFree(let path, let percent, let bytes):
            guard let path = text(path) else { return nil }
            let test = percent.map { "pct >= \($0)" } ?? "$4 * 1024 >= \(bytes ?? 0)"
            return """
                df -Pk -- \(path) | awk 'NR == 2 { pct = $4 * 100 / $2; \
                msg = sprintf("%.1f%% free (%d MiB) on %s", pct, $4 / 1024, $6); \
                if (\(test)) { print msg; exit 0 } else { print msg > "/dev/stderr"; exit 1 } }'
                """
        case .memFree(let percent, let bytes):
            let test = percent.map { "pct >= \($0)" } ?? "a * 1024 >= \(bytes ?? 0)"
            return """
                awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { pct = a * 100 / t; \
                msg = sprintf("%.1f%% memory available (%d MiB)", pct, a / 1024); \
                if (\(test)) { print msg; exit 0 } else { print msg > "/dev/stderr"; exit 1 } }' /proc/meminfo
                """
        case .service(let name, let state):
            guard let name = text(name) else { return nil }
            let wanted = ShellQuote.quote(state)
            return """
                s=$(systemctl is-active -- \(name) 2>/dev/null); [ "$s" = \(wanted) ] \
                || { echo "service "\(name)" is ${s:-unknown}, expected "\(wanted) >&2; exit 1; }
                """
        }
    }
}
