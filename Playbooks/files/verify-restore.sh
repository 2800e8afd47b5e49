#!/bin/sh
# Restore a dump into a scratch database and check that it holds tables; the scratch database is dropped.
# Usage: verify-restore.sh DUMP.sql.gz
set -eu
dump=$1
scratch="restore_check_$$"
trap 'dropdb --if-exists "$scratch"' EXIT
createdb "$scratch"
gunzip -c "$dump" | psql -q -v ON_ERROR_STOP=1 "$scratch" > /dev/null
tables=$(psql -Atc "select count(*) from information_schema.tables where table_schema = 'public'" "$scratch")
[ "$tables" -gt 0 ] || { echo "restore of $dump holds no tables" >&2; exit 1; }
echo "restore of $dump verified: $tables tables"
