#!/usr/bin/env bash
# Installs the Reizi light runtime archive on a board: /opt/reizi, /etc/reizi, the systemd unit.
# Run as root from the unpacked archive: sudo ./install.sh
set -euo pipefail
src="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
prefix="${REIZI_PREFIX:-/opt/reizi}"
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
mkdir -p "$prefix" /etc/reizi/trust
cp -a "$src/bin" "$src/lib" "$src/runtime" "$src/samples" "$src/README.md" "$prefix/"
[ -f /etc/reizi/agent.conf ] || install -m 0640 "$src/systemd/agent.conf.example" /etc/reizi/agent.conf
install -m 0644 "$src/systemd/reizi-agent.service" /etc/systemd/system/reizi-agent.service
mkdir -p /etc/systemd/system/reizi-agent.service.d
install -m 0644 "$src/systemd/reizi-agent.service.d/exec-apps.conf" /etc/systemd/system/reizi-agent.service.d/exec-apps.conf.example
# The service runs as a dynamic user: the data dir (/var/lib/reizi) and the AOT cache are made by systemd.
command -v systemctl >/dev/null && systemctl daemon-reload || true
echo "Reizi installed in $prefix."
echo "Next: edit /etc/reizi/agent.conf (id, broker, certificates), put the release public keys in /etc/reizi/trust,"
echo "then: systemctl enable --now reizi-agent && journalctl -u reizi-agent -f"
