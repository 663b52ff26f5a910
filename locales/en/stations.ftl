# stations words (en).
# Several stations on one shared journal (issue 13): the live view, the banner, the stations panel.

live-did-label = Station { $station } ({ $operator }) fetched the label of order { $order }
live-did-print = Station { $station } ({ $operator }) printed order { $order }
live-did-ship = Station { $station } ({ $operator }) shipped order { $order }
live-held = Order { $order } is being worked on by station { $station } ({ $operator }) until { $until }; this station leaves it alone. Take another order or wait until it is done
live-held-short = held by { $station } ({ $operator }) until { $until }
live-row-label-by = label by { $station } ({ $operator })
live-row-printed-by = printed by { $station } ({ $operator })
live-row-shipped-by = shipped by { $station } ({ $operator })
live-detail-label = { $time } station { $station } ({ $operator }) fetched the label
live-detail-print = { $time } station { $station } ({ $operator }) printed the label
live-detail-ship = { $time } station { $station } ({ $operator }) shipped it
live-banner-lost = The shared journal is unreachable (since { $since }): { $reason }. This station takes no new work (labels, printing, shipping, scans) until it is back.
live-banner-catching-up = The shared journal is back; reading what the other stations did meanwhile… work resumes in a moment
live-lost-log = The shared journal is unreachable: { $reason }. Label and print runs stop after their current order; no new work is taken
live-back-log = The shared journal is back and what the other stations did meanwhile has been read; work resumes
live-refused-lost = The shared journal is unreachable, so this was not done: try again when it is back (the red banner goes away)
live-refused-catching-up = The shared journal is catching up on the other stations' work, so this was not done: try again in a few seconds
live-scan-refused = The shared journal is unreachable, so this scan was not handled: put the parcel aside and scan it again when the journal is back
live-runs-stopped = The shared journal is unreachable: running work stops after its current order; no order is left half-done
live-feed-failed = Cannot follow the other stations: { $reason }
stations-button = Stations
stations-button-hint = Every station's operators, the orders it holds and today's counts
stations-title = Stations
stations-reload = Reload
stations-today-note = Today counts from midnight on this computer's date; times are China time
stations-none = No station has recorded anything in the shared journal yet
stations-no-journal = No journal is open, so the stations cannot be shown
stations-col-station = Station
stations-col-operators = Operators
stations-col-claims = Holding
stations-col-labels = Labels today
stations-col-prints = Prints today
stations-col-ships = Shipped today
stations-col-last = Last action
stations-claims-by-purpose = labels { $labels }, printing { $print }, shipping { $ship }
