#!/usr/bin/env bash
# Takes a screenshot of the running app under Xvfb, in demo mode, after selecting every order
# and fetching their labels: docs/screenshot.png (used in the README).
#   bash scripts/screenshot.sh [BINARY] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/waybill-desk}
out=${2:-docs/screenshot.png}
mkdir -p "$(dirname "$out")"
display=:77
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display LANG=C.UTF-8
data=$(mktemp -d)
WAYBILL_DESK_DATA_DIR=$data "$bin" &
app=$!
sleep 6
# No window manager under Xvfb: give the window the keyboard focus explicitly.
win=$(xdotool search --name "waybill-desk" | head -1)
xdotool windowfocus --sync "$win"
# Demo mode opens the setup guide on a first start: Esc puts it away (Settings → 设置向导… again).
xdotool key Escape
sleep 0.5
# Focus the window, pick the first order, select the next ones with shift, fetch labels.
xdotool mousemove 300 160 click 1
sleep 0.5
xdotool keydown shift
sleep 0.2
xdotool mousemove 300 380 click 1
sleep 0.2
xdotool keyup shift
sleep 0.5
xdotool key --clearmodifiers ctrl+l
sleep 5
import -window root "$out"
echo "$out"
