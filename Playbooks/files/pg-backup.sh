#!/bin/sh
# Dump one PostgreSQL database, compressed, to a file; the file appears only when the dump is complete.
# Usage: pg-backup.sh DATABASE OUTPUT.sql.gz
set -eu
database=$1
output=$2
mkdir -p "$(dirname "$output")"
pg_dump --no-owner "$database" | gzip -c > "$output.partial"
mv "$output.partial" "$output"
echo "dumped $database to $output ($(wc -c < "$output") bytes)"
