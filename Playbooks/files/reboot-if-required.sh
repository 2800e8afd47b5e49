#!/bin/sh
# Reboot a few seconds from now if the last upgrade asked for it, so this session can end cleanly first.
set -eu
if [ -f /var/run/reboot-required ]; then
    echo "reboot required by: $(cat /var/run/reboot-required.pkgs 2>/dev/null | tr '\n' ' ')"
    systemd-run --on-active=5 /bin/systemctl reboot
else
    echo "no reboot required"
fi
