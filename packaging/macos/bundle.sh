#!/usr/bin/env bash
# Builds "Waybill Desk.app" (and a .dmg) on macOS. NOT RUN HERE (no Mac in this project's CI):
# see packaging/README.md. Needs Xcode's command-line tools (iconutil, hdiutil, codesign).
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ "$(uname -s)" == Darwin ]] || { echo "bundle.sh: runs on macOS only" >&2; exit 1; }

version=$(cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="waybill-desk"))')
cargo build --release --locked
app="target/macos/Waybill Desk.app"
rm -rf "$app" && mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp target/release/waybill-desk "$app/Contents/MacOS/"
sed "s/@VERSION@/$version/g" packaging/macos/Info.plist >"$app/Contents/Info.plist"

# The icon from the same PNGs as every other platform (assets/icons/hicolor/).
iconset=target/macos/waybill-desk.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
id=io.github.waybilldesk.WaybillDesk
for size in 16 32 128 256 512; do
  cp "assets/icons/hicolor/${size}x${size}/$id.png" "$iconset/icon_${size}x${size}.png"
done
for size in 16 32 128 256; do
  cp "assets/icons/hicolor/$((size * 2))x$((size * 2))/$id.png" "$iconset/icon_${size}x${size}@2x.png"
done
iconutil -c icns "$iconset" -o "$app/Contents/Resources/waybill-desk.icns"

# Ad-hoc signature so Gatekeeper lets a local build run; a release is signed with a Developer
# ID (codesign --sign "Developer ID Application: ..." --options runtime) and notarized.
codesign --force --deep --sign - "$app"
hdiutil create -volname "Waybill Desk" -srcfolder "$app" -ov -format UDZO "target/macos/waybill-desk-$version.dmg"
echo "bundle.sh: $app and target/macos/waybill-desk-$version.dmg"
