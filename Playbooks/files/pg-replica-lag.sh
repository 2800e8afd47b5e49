#!/bin/sh
# Succeeds when this replica replays WAL no more than MAX_SECONDS behind the primary.
# Usage: pg-replica-lag.sh MAX_SECONDS
set -eu
max=$1
lag=$(psql -Atc "select coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp())::int, 0)")
echo "replication lag: ${lag}s (limit ${max}s)"
[ "$lag" -le "$max" ]
