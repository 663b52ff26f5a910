#!/usr/bin/env bash
# Installs the Debian 12 packages waybill-desk needs to build, run and test. Idempotent: does
# nothing (and needs no network) when everything is already installed.
#   scripts/deps.sh          build + run (GTK/WebKit for the label webview, fonts, keychain)
#   scripts/deps.sh --test   also what the tests use (Xvfb, CUPS + cups-pdf, poppler, ImageMagick,
#                            PostgreSQL for a private test server: scripts/test-env/postgres.sh)
set -euo pipefail

packages=(
  build-essential pkg-config
  libgtk-3-dev libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libsoup-3.0-dev libxdo-dev
  libdbus-1-dev libcups2-dev
  fonts-noto-cjk libgl1-mesa-dri libegl1 libxkbcommon-x11-0
  dbus dbus-x11 gnome-keyring libsecret-tools
  poppler-utils # pdfunite: several labels in one PDF (print --pdf FILE.pdf)
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(xvfb xauth cups cups-client cups-bsd printer-driver-cups-pdf poppler-utils imagemagick xdotool zbar-tools postgresql)
  # The package test (scripts/test-package): validators of the desktop entry and AppStream file.
  packages+=(desktop-file-utils appstream file)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
