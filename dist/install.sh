#!/usr/bin/env bash
# Installs (or upgrades) the Reizi light runtime archive on a board: /opt/reizi, /etc/reizi, the systemd units.
# Run as root from the unpacked archive: sudo ./install.sh   — safe to run again: an upgrade replaces the
# program and the units, and keeps the data (/var/lib/reizi), the configuration and the keys.
set -euo pipefail
src="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
prefix="${REIZI_PREFIX:-/opt/reizi}"
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

# The program: replaced whole, so that a jar dropped by this release does not stay behind.
mkdir -p "$prefix"
for d in bin lib runtime samples docs; do
  [ -e "$src/$d" ] || continue
  rm -rf "$prefix/$d.new" && cp -a "$src/$d" "$prefix/$d.new" && rm -rf "$prefix/$d" && mv "$prefix/$d.new" "$prefix/$d"
done
cp -a "$src/README.md" "$prefix/"

# The configuration and keys: readable by the agent, not by others. The default unit runs as root; the
# hardened one as a dynamic user in the static group `reizi`, so both read them through root:reizi 0640.
getent group reizi > /dev/null || groupadd --system reizi
install -d -m 0750 -o root -g reizi /etc/reizi /etc/reizi/trust
[ -f /etc/reizi/agent.conf ] || install -m 0640 -o root -g reizi "$src/systemd/agent.conf.example" /etc/reizi/agent.conf
# Files an admin put there since (keys copied with a 0644 umask, say) get the same owner and access: the
# group reads, nobody else does anything; an executable (a health script) stays executable.
find /etc/reizi -mindepth 1 -type d -exec chown root:reizi {} + -exec chmod g+rx,g-w,o-rwx {} +
find /etc/reizi -mindepth 1 -type f -exec chown root:reizi {} + -exec chmod g+r,g-w,o-rwx {} +

# The units: both installed, one enabled by the admin (see docs/deployment.md for which).
for u in reizi-agent.service reizi-agent-hardened.service; do
  install -m 0644 "$src/systemd/$u" "/etc/systemd/system/$u"
done
mkdir -p /etc/systemd/system/reizi-agent.service.d
install -m 0644 "$src/systemd/reizi-agent.service.d/exec-apps.conf" /etc/systemd/system/reizi-agent.service.d/exec-apps.conf.example
# The AOT caches of the program just replaced (StateDirectory=reizi of either unit) go: the launcher tells a
# stale cache by a jar newer than it, but cp -a and tar keep the archive's times, older than a cache trained
# before this install. A running agent is stopped first: a first run writes its cache when it exits.
running=()
if command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  for u in reizi-agent.service reizi-agent-hardened.service; do
    systemctl is-active --quiet "$u" && { echo "stopping $u to restart it on the new release"; systemctl stop "$u"; running+=("$u"); }
  done
fi
rm -f /var/lib/reizi/reizi-*.aot /var/lib/private/reizi/reizi-*.aot
for u in "${running[@]}"; do systemctl start --no-block "$u"; done
echo "Reizi installed in $prefix."
echo "Next: edit /etc/reizi/agent.conf (id, broker, certificates), put the release public keys in /etc/reizi/trust,"
echo "run this script again (it gives new files the agent's group and mode), then enable ONE unit:"
echo "  systemctl enable --now reizi-agent            # bootloader banks, hardware/serial watchdog, reboot-cmd"
echo "  systemctl enable --now reizi-agent-hardened   # symlink banks and the systemd watchdog only"
echo "and watch it: journalctl -u reizi-agent -f"
