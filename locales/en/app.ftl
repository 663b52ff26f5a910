# waybill-desk's words in English. { $order } is an order id.
# Translate only the right-hand side; both files must have the same message names.

order-problem = { $order }: { $problem }
no-journal-refused = The journal (database) cannot be opened, so labels and shipping are off to avoid doing anything twice. Check that the data directory is writable and the disk is not full, then restart
labels-need-settings = New waybills need a courier, biz_id and sender address: fill them in Settings first
labels-started = Fetching labels: { $count } orders
labels-queued = Label run queued (place { $place }); it starts when the one before it ends
labels-done = Labels done { $ok }/{ $total }, failed { $failed }
labels-done-cancelled = Labels done { $ok }/{ $total }, failed { $failed } (cancelled)
label-fetched = { $order }: label fetched
print-no-printer = No printer is chosen: pick one in Settings
print-no-label = { $order }: no label yet: get the label first
print-started = Printing: { $count } labels → { $printer }
print-queued = Print run queued (place { $place }); it starts when the current one ends
print-done = Printing done { $ok }/{ $total }, failed { $failed }
printed = { $order }: printed
scan-received = Scanned: { $code }
scan-queue = Queue { $count }
scan-step-fetching = Fetching the label…
scan-step-printing = Printing…
scan-step-shipping = Shipping…
scan-not-found = No order found for { $code }
scan-already-shipped = { $order } was already shipped; nothing printed. Press "Print anyway" for a new copy of its label
scan-print-anyway = Print anyway
scan-no-printer = { $order } label ready, but no printer is chosen (Settings)
scan-printed = { $order } printed
scan-reprinted = { $order } print #{ $times } (a reprint)
scan-shipped = { $order } { $times ->
    [1] printed and shipped
   *[other] print #{ $times }, shipped
}
scan-parcel-shipped = { $order } printed, one parcel shipped; the rest stays to be shipped
scan-stopped = { $order }: the run stopped before this order was done. Scan it again when ready
ship-answer-lost = { $order }: the answer to the shipment was lost; re-reading the order
print-dialog-open = The print dialog is already open: print or cancel it in that window first
print-dialog-printed = { $order }: printed through the print dialog
waybill-cancelling = { $order }: cancelling waybill { $waybill }
waybill-cancelled = { $order }: waybill cancelled; press "New waybill" when needed
waybill-created = { $order }: waybill created { $courier } { $waybill }
batch-resuming = Resuming label batch #{ $batch }
ship-already = { $order }: already shipped, nothing to do
ship-nothing-left = { $order }: nothing is left to ship
ship-parcel = { $order }: one parcel shipped, { $pieces } pieces; the rest stays to be shipped
shipped = { $order }: shipped
shipped-on-reread = { $order }: shipped (the answer was lost; confirmed by re-reading the order)
labels-skipped = Skipped { $count } orders that take no courier (no waybill, no label): { $reasons }
orders-refreshed = Orders refreshed: { $count }
orders-refresh-failed = Refresh failed: { $problem }
secret-saved = The AppSecret is stored in { $place }. Restart the app to connect to the shop
settings-saved = Settings saved
settings-save-failed = Could not save settings: { $problem }
reprinted = { $order }: printed again (print #{ $times })
preview-no-label = Fetching the label…
ship-refused-cancelled = The waybill was cancelled and cannot ship: press "New waybill"
ship-no-waybill = No waybill: get the label first
print-stopped-not-printed = Printing was stopped; this label was not printed. Press Print again when ready
print-held-back = An earlier label failed, so this one was held back to keep the order. Fix the printer, then press Print again
label-missing-in-journal = Label { $label } is missing from the journal: fetch the label again
