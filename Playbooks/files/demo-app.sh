#!/bin/sh
# The simulated service of the testbed demo, under /srv/host/app on each host:
#   releases/<version>/VERSION, a `current` symlink, a `previous` symlink, and a `health` file.
# A host whose /srv/host/app/FAULT exists fails its health check (the demo's injected fault).
set -eu
root=/srv/host/app
case "${1:-}" in
    baseline)
        # Idempotent: a fresh host gets release $2 as its running version.
        if [ ! -e "$root/current" ]; then
            mkdir -p "$root/releases/$2"
            echo "$2" > "$root/releases/$2/VERSION"
            ln -sfn "$root/releases/$2" "$root/current"
            echo ok > "$root/health"
        fi ;;
    install)
        mkdir -p "$root/releases/$2"
        echo "$2" > "$root/releases/$2/VERSION" ;;
    switch)
        ln -sfn "$(readlink "$root/current")" "$root/previous"
        ln -sfn "$root/releases/$2" "$root/current" ;;
    rollback)
        ln -sfn "$(readlink "$root/previous")" "$root/current" ;;
    restart)
        # A 0.2 s restart: unhealthy while it lasts.
        echo starting > "$root/health"
        sleep 0.2
        if [ -e "$root/FAULT" ]; then echo "crashed: $(cat "$root/FAULT")" > "$root/health"; else echo ok > "$root/health"; fi ;;
    health)
        health=$(cat "$root/health")
        version=$(cat "$root/current/VERSION")
        [ "$health" = ok ] || { echo "unhealthy: $health" >&2; exit 1; }
        [ "$version" = "$2" ] || { echo "running $version, expected $2" >&2; exit 1; } ;;
    *)
        echo "usage: demo-app.sh baseline|install|switch|rollback|restart|health [version]" >&2
        exit 2 ;;
esac
