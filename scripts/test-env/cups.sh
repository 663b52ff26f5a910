# Sourced by with-services.sh: starts a private cupsd (its own config, spool and socket under
# $WAYBILL_DESK_TEST_TMP/cups) with a cups-pdf queue whose default media is 100x150 mm, and exports
# what the print tests read:
#   CUPS_SERVER                     the private cupsd's socket (libcups, GTK and lp* use it)
#   WAYBILL_DESK_TEST_PRINTER       the cups-pdf queue
#   WAYBILL_DESK_TEST_PDF_DIR       where cups-pdf writes that queue's PDFs
#   WAYBILL_DESK_TEST_PPD           the queue's PPD (tests make extra queues from it)
#   WAYBILL_DESK_TEST_DEVICE_URI    the queue's device URI
#   WAYBILL_DESK_TEST_CUPS=1        set once all of the above works
# Needs root: cups-pdf reads its per-queue config from /etc/cups (removed again on exit).

cups_setup() {
  local dir="$WAYBILL_DESK_TEST_TMP/cups"
  local name="wbd$$"
  local queue="waybill-test"
  local conf="/etc/cups/cups-pdf-$name.conf"

  if [[ $(id -u) -ne 0 ]]; then
    echo "cups.sh: not root, so no private CUPS queue (cups-pdf needs root); print tests will say so" >&2
    return 0
  fi
  for tool in cupsd lpadmin cupsenable lpstat; do
    command -v "$tool" >/dev/null || { echo "cups.sh: $tool missing (run scripts/deps.sh --test)" >&2; return 0; }
  done
  [[ -x /usr/lib/cups/backend/cups-pdf ]] || { echo "cups.sh: cups-pdf backend missing" >&2; return 0; }

  # The filters run as lp: they must be able to reach the spool below the test directory.
  chmod 0711 "$WAYBILL_DESK_TEST_TMP"
  mkdir -p "$dir"/{root/ppd,spool/tmp,cache,state,log,pdf}
  chmod 0755 "$dir" "$dir"/{root,cache,state,log}
  chmod 0710 "$dir/spool"
  chgrp lp "$dir/spool" "$dir/spool/tmp"
  chmod 1770 "$dir/spool/tmp"
  chmod 0777 "$dir/pdf"

  cat >"$dir/cupsd.conf" <<EOF
Listen $dir/cups.sock
LogLevel info
Browsing No
WebInterface No
DefaultAuthType None
MaxJobs 0
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  cat >"$dir/cups-files.conf" <<EOF
ServerRoot $dir/root
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
Printcap
EOF
  cp "$dir/cupsd.conf" "$dir/root/cupsd.conf"
  cp "$dir/cups-files.conf" "$dir/root/cups-files.conf"

  # cups-pdf picks cups-pdf-NAME.conf for the device URI cups-pdf:/NAME.
  cat >"$conf" <<EOF
Out $dir/pdf
AnonDirName $dir/pdf
Label 1
UserUMask 0022
Grp lp
EOF
  cleanup_steps+=("rm -f '$conf'")

  # The cups-pdf PPD plus a 100x150 mm size that is the queue's default media.
  local ppd="$dir/cups-pdf-100x150.ppd"
  sed -e 's/^\*DefaultPageSize: .*/*DefaultPageSize: w283h425/' \
    -e 's/^\*DefaultPageRegion: .*/*DefaultPageRegion: w283h425/' \
    -e 's/^\*DefaultImageableArea: .*/*DefaultImageableArea: w283h425/' \
    -e 's/^\*DefaultPaperDimension: .*/*DefaultPaperDimension: w283h425/' \
    -e '/^\*PageSize A4\/A4:/i *PageSize w283h425/100x150mm: "<</PageSize[283.46 425.2]/ImagingBBox null>>setpagedevice"' \
    -e '/^\*PageRegion A4\/A4:/i *PageRegion w283h425/100x150mm: "<</PageSize[283.46 425.2]/ImagingBBox null>>setpagedevice"' \
    -e '/^\*ImageableArea A4\/A4:/i *ImageableArea w283h425/100x150mm: "0 0 283.46 425.2"' \
    -e '/^\*PaperDimension A4\/A4:/i *PaperDimension w283h425/100x150mm: "283.46 425.2"' \
    /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd >"$ppd"

  cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" >"$dir/log/cupsd.out" 2>&1 &
  local cupsd_pid=$!
  cleanup_steps+=("kill $cupsd_pid")
  export CUPS_SERVER="$dir/cups.sock"
  local ok=
  for _ in $(seq 100); do
    if [[ -S $CUPS_SERVER ]] && lpstat -r >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  if [[ -z $ok ]]; then
    echo "cups.sh: cupsd did not start; see $dir/log" >&2
    cat "$dir/log/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null || true
    return 0
  fi

  lpadmin -p "$queue" -E -v "cups-pdf:/$name" -P "$ppd" -D "waybill-desk test (cups-pdf)" -L "test bench" 2>&1 | grep -v "drivers are deprecated" >&2 || true
  cupsenable "$queue"
  cupsaccept "$queue"
  if ! grep -q "^\*DefaultPageSize: w283h425" "$dir/root/ppd/$queue.ppd"; then
    echo "cups.sh: queue $queue does not default to 100x150 mm" >&2
    return 0
  fi

  export WAYBILL_DESK_TEST_PRINTER="$queue"
  export WAYBILL_DESK_TEST_PDF_DIR="$dir/pdf"
  export WAYBILL_DESK_TEST_PPD="$ppd"
  export WAYBILL_DESK_TEST_DEVICE_URI="cups-pdf:/$name"
  export WAYBILL_DESK_TEST_CUPS=1
  echo "cups.sh: cupsd on $CUPS_SERVER, queue $queue -> $WAYBILL_DESK_TEST_PDF_DIR" >&2
}
cups_setup
