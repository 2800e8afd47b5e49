#!/bin/sh
# Vacuum, analyse and reindex one database on the primary, reporting how long each part took.
# Usage: pg-maintenance.sh DATABASE
set -eu
database=$1
start=$(date +%s)
vacuumdb --analyze --verbose "$database"
echo "vacuum took $(( $(date +%s) - start ))s"
start=$(date +%s)
reindexdb --concurrently "$database"
echo "reindex took $(( $(date +%s) - start ))s"
