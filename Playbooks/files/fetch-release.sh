#!/bin/sh
# Download and unpack one application release beside the others; an unpacked release is not fetched again.
# Usage: fetch-release VERSION
set -eu
version=$1
target="/opt/app/releases/$version"
[ -d "$target" ] && { echo "release $version already present"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsS -o "$tmp/app.tar.gz" "https://artifacts.prod.example.com/app/app-$version.tar.gz"
curl -fsS -o "$tmp/app.tar.gz.sha256" "https://artifacts.prod.example.com/app/app-$version.tar.gz.sha256"
(cd "$tmp" && sha256sum -c app.tar.gz.sha256)
mkdir -p "$target.partial"
tar -xzf "$tmp/app.tar.gz" -C "$target.partial"
mv "$target.partial" "$target"
echo "release $version unpacked in $target"
