#!/usr/bin/env bash
# Renders every hicolor PNG size of the icon from its one source, assets/icons/waybill-desk.svg,
# into assets/icons/hicolor/SIZExSIZE/, and the Windows .ico from them. The PNGs are committed (the package build needs no SVG
# renderer); run this after editing the SVG and commit both. Needs rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { echo "make-icons: rsvg-convert missing: apt-get install librsvg2-bin" >&2; exit 1; }
src=assets/icons/waybill-desk.svg
id=io.github.waybilldesk.WaybillDesk
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "assets/icons/hicolor/${size}x${size}"
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$src" \
    -o "assets/icons/hicolor/${size}x${size}/$id.png"
done
# Windows: one .ico with the small sizes and 256 (ImageMagick's convert).
if command -v convert >/dev/null; then
  convert $(for size in 16 24 32 48 64 256; do echo "assets/icons/hicolor/${size}x${size}/$id.png"; done) \
    assets/icons/waybill-desk.ico
fi
echo "make-icons: rendered $(ls assets/icons/hicolor | wc -l) sizes from $src"
