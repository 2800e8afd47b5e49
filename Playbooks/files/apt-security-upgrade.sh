#!/bin/sh
# Install pending security updates (or upgrade the named packages only), without prompts.
# Usage: apt-security-upgrade.sh [PACKAGE...]
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ "$#" -gt 0 ]; then
    apt-get install -y -q --only-upgrade "$@"
else
    unattended-upgrade -v
fi
