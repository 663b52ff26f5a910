# Sourced by with-services.sh: starts Xvfb on a free display and exports DISPLAY.
for n in $(seq 90 140); do
  [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
  Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >"$WAYBILL_DESK_TEST_TMP/xvfb.log" 2>&1 &
  xvfb_pid=$!
  cleanup_steps+=("kill $xvfb_pid")
  for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X$n ]] && break; sleep 0.1; done
  export DISPLAY=":$n"
  break
done
[[ -n "${DISPLAY:-}" ]] || { echo "no free X display for Xvfb" >&2; exit 1; }
# GTK's own strings (the "Print to File" printer name) are compared in tests: keep them English.
export LANG=C.UTF-8
export WAYBILL_DESK_TEST_DISPLAY=1
