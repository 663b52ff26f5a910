//! The other stations, live: what they did to which order (label fetched, printed, shipped),
//! which orders they hold, and whether the shared journal can be reached at all.
//!
//! [`LiveState`] is the state machine (no egui, no tokio): it takes the feed's events and
//! health changes and answers with [`LiveAction`]s the window carries out (a log line, a row to
//! update, runs to stop, work to resume). [`Live`] is its runtime side: the feed's receiving end
//! and the journal re-reads (a label another station fetched, the stations overview).
//!
//! When the shared journal is lost the station takes no new work: getting labels, printing and
//! shipping are refused with the reason, and a scan is refused at once (red, with a sound) rather
//! than queued, because the parcel in front of the packer when the connection comes back is not
//! the one that was scanned: a queue would print labels for parcels already put aside. Runs
//! already going stop before their next order (nothing is left half-way: an order is either done
//! and recorded, or untouched); a shipment already sent is left to finish.

use std::collections::HashMap;
use std::sync::{mpsc, Arc};

use crate::app::activity::Level;
use crate::app::command::Command;
use crate::app::orders::{LabelState, OrderBook, OrderRow, ShipState};
use crate::i18n::Msg;
pub use crate::store::feed::{
    EventKind, FeedError, FeedHealth, FeedSender, JournalEvent, JournalFeed,
};
use crate::wechat::{Lang, OrderId};

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct By {
    pub station: String,
    pub operator: String,
    pub at_ms: i64,
}

/// An order another station holds, until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub station: String,
    pub operator: String,
    pub until_ms: i64,
}

/// What other stations did to one order (the latest of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    pub label: Option<By>,
    pub printed: Option<By>,
    pub shipped: Option<By>,
}

/// What the window should do after a feed event or a health change.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveAction {
    /// Add this line to the activity log.
    Log(Level, Msg),
    /// Another station fetched this order's label: read it from the journal.
    ReloadLabel(OrderId),
    /// Another station did this to the order: update its row (and its history, if shown).
    Touched(EventKind, OrderId),
    /// The journal went away: stop running label and print runs before their next order.
    StopRuns,
    /// The journal is back and caught up: work may start again.
    Resume,
}

/// The other stations as this window knows them.
#[derive(Debug, Clone)]
pub struct LiveState {
    /// This station's name and operator: its own events are not news.
    me: (String, String),
    /// `None`: no shared journal (one station alone, SQLite).
    health: Option<FeedHealth>,
    holds: HashMap<OrderId, Hold>,
    /// Counts claim, release and ship events; `touched` says when each order last had one, so
    /// a snapshot of the open claims asked for before that does not undo it.
    epoch: u64,
    touched: HashMap<OrderId, u64>,
    remote: HashMap<OrderId, Remote>,
    /// The journal was lost since the last time it was connected (so "back" is news).
    lost: bool,
}

/// "HH:MM:SS" China time of a ms timestamp.
pub fn clock(at_ms: i64) -> String {
    let t = crate::wechat::order::format_china_time(at_ms.div_euclid(1000));
    t.get(11..19).unwrap_or(&t).to_string()
}

impl LiveState {
    /// A window at this station, with no shared journal yet.
    pub fn new(station: &str, operator: &str) -> Self {
        LiveState {
            me: (station.to_string(), operator.to_string()),
            health: None,
            holds: HashMap::new(),
            epoch: 0,
            touched: HashMap::new(),
            remote: HashMap::new(),
            lost: false,
        }
    }

    /// The station changed in Settings.
    pub fn set_me(&mut self, station: &str, operator: &str) {
        self.me = (station.to_string(), operator.to_string());
    }

    /// The feed's health; `None` without a shared journal.
    pub fn health(&self) -> Option<&FeedHealth> {
        self.health.as_ref()
    }

    /// True when this window follows a shared journal.
    pub fn is_shared(&self) -> bool {
        self.health.is_some()
    }

    fn is_me(&self, e: &JournalEvent) -> bool {
        e.station == self.me.0 && e.operator == self.me.1
    }

    /// One event from the feed.
    pub fn on_event(&mut self, e: JournalEvent) -> Vec<LiveAction> {
        if self.is_me(&e) {
            // Our own work: the window did it and knows. (Our own claims hold nothing back.)
            return Vec::new();
        }
        if matches!(
            e.kind,
            EventKind::Claimed | EventKind::Released | EventKind::Shipped
        ) {
            self.epoch += 1;
            self.touched.insert(e.order_id, self.epoch);
        }
        let by = By {
            station: e.station.clone(),
            operator: e.operator.clone(),
            at_ms: e.at_ms,
        };
        let line = |id: &'static str| {
            LiveAction::Log(
                Level::Info,
                Msg::id(id)
                    .arg("station", e.station.clone())
                    .arg("operator", e.operator.clone())
                    .arg("order", e.order_id),
            )
        };
        let touched = LiveAction::Touched(e.kind, e.order_id);
        match e.kind {
            EventKind::Claimed => {
                // A renewal moves "until" on; nothing to log (claims come by the hundred).
                self.holds.insert(
                    e.order_id,
                    Hold {
                        station: e.station,
                        operator: e.operator,
                        until_ms: e.until_ms.unwrap_or(e.at_ms),
                    },
                );
                vec![touched]
            }
            EventKind::Released => {
                if self
                    .holds
                    .get(&e.order_id)
                    .is_some_and(|h| h.station == e.station)
                {
                    self.holds.remove(&e.order_id);
                }
                vec![touched]
            }
            EventKind::LabelFetched => {
                self.remote.entry(e.order_id).or_default().label = Some(by);
                vec![
                    line("live-did-label"),
                    LiveAction::ReloadLabel(e.order_id),
                    touched,
                ]
            }
            EventKind::Printed => {
                self.remote.entry(e.order_id).or_default().printed = Some(by);
                vec![line("live-did-print"), touched]
            }
            EventKind::Shipped => {
                self.remote.entry(e.order_id).or_default().shipped = Some(by);
                // Shipped is final: whatever hold it had is over.
                self.holds.remove(&e.order_id);
                vec![line("live-did-ship"), touched]
            }
        }
    }

    /// The feed's health changed.
    pub fn on_health(&mut self, health: FeedHealth) -> Vec<LiveAction> {
        let was_working = self.health.as_ref().is_none_or(FeedHealth::is_connected);
        let mut actions = Vec::new();
        match &health {
            FeedHealth::Lost { reason, .. } if !self.lost => {
                self.lost = true;
                actions.push(LiveAction::Log(
                    Level::Error,
                    Msg::id("live-lost-log").arg("reason", reason.clone()),
                ));
                if was_working {
                    actions.push(LiveAction::StopRuns);
                }
            }
            FeedHealth::Connected if !was_working => {
                // The catch-up delivered every claim and release written meanwhile, so the
                // holds known now stand (and expired ones drop out by their lease).
                if std::mem::take(&mut self.lost) {
                    actions.push(LiveAction::Log(Level::Info, Msg::id("live-back-log")));
                }
                actions.push(LiveAction::Resume);
            }
            _ => {}
        }
        self.health = Some(health);
        actions
    }

    /// Why new work is refused now (`None`: it is not).
    pub fn refusal(&self) -> Option<Msg> {
        match &self.health {
            Some(FeedHealth::Lost { .. }) => Some(Msg::id("live-refused-lost")),
            Some(FeedHealth::Reconnecting { .. }) => Some(Msg::id("live-refused-catching-up")),
            _ => None,
        }
    }

    /// Where the events stand, to pass to [`LiveState::set_holds`] with a snapshot asked now.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The open claims as the journal listed them when asked at `asked` (an [`epoch`]),
    /// replacing what is known: renewals (not announced one by one) and holds taken before this
    /// window started show too. An order claimed, released or shipped since it was asked keeps
    /// what its event said: the snapshot is older.
    ///
    /// [`epoch`]: LiveState::epoch
    pub fn set_holds(&mut self, holds: Vec<(OrderId, Hold)>, asked: u64) {
        let me = self.me.0.clone();
        let newer = |id: &OrderId| self.touched.get(id).is_some_and(|&t| t > asked);
        let mut next: HashMap<OrderId, Hold> = holds
            .into_iter()
            .filter(|(id, h)| h.station != me && !newer(id))
            .collect();
        for (id, hold) in &self.holds {
            if newer(id) {
                next.insert(*id, hold.clone());
            }
        }
        self.holds = next;
        self.touched.retain(|_, t| *t > asked);
    }

    /// The station holding this order now, unless it is this one or its lease ended.
    pub fn held_elsewhere(&self, id: OrderId, now_ms: i64) -> Option<&Hold> {
        self.holds
            .get(&id)
            .filter(|h| h.until_ms > now_ms && h.station != self.me.0)
    }

    /// What other stations did to this order.
    pub fn remote(&self, id: OrderId) -> Option<&Remote> {
        self.remote.get(&id)
    }

    /// "Held by B (李四) until 14:03:05" for an order held elsewhere.
    pub fn held_msg(&self, id: OrderId, now_ms: i64) -> Option<Msg> {
        self.held_elsewhere(id, now_ms).map(|h| {
            Msg::id("live-held")
                .arg("order", id)
                .arg("station", h.station.clone())
                .arg("operator", h.operator.clone())
                .arg("until", clock(h.until_ms))
        })
    }

    /// Splits `ids` into those this station may work on and, for the rest, why not.
    pub fn drop_held(&self, ids: Vec<OrderId>, now_ms: i64) -> (Vec<OrderId>, Vec<Msg>) {
        let mut refused = Vec::new();
        let ids = ids
            .into_iter()
            .filter(|id| match self.held_msg(*id, now_ms) {
                Some(m) => {
                    refused.push(m);
                    false
                }
                None => true,
            })
            .collect();
        (ids, refused)
    }

    /// Whether [`LiveState::blocked`] could say anything: the journal is away, or another
    /// station holds some order. Lets a frame skip working out its targets (a walk over every
    /// selected order) on a station alone or with nothing held elsewhere.
    pub fn may_block(&self) -> bool {
        self.refusal().is_some() || !self.holds.is_empty()
    }

    /// Why the toolbar's get-labels / print / ship are off for these targets: the journal is
    /// lost, or every one of them is held by another station. `None`: they are on.
    pub fn blocked(&self, targets: &[OrderId], now_ms: i64, lang: Lang) -> Option<String> {
        if let Some(m) = self.refusal() {
            return Some(m.render(lang));
        }
        let first = targets.first()?;
        if targets
            .iter()
            .all(|id| self.held_elsewhere(*id, now_ms).is_some())
        {
            return self.held_msg(*first, now_ms).map(|m| m.render(lang));
        }
        None
    }

    /// The short notes for an order's row: held by whom, and who fetched / printed / shipped it.
    pub fn row_note(&self, id: OrderId, now_ms: i64, lang: Lang) -> RowNote {
        let held = self.held_elsewhere(id, now_ms).map(|h| {
            Msg::id("live-held-short")
                .arg("station", h.station.clone())
                .arg("operator", h.operator.clone())
                .arg("until", clock(h.until_ms))
                .render(lang)
        });
        let by = |b: &Option<By>, msg: &'static str| {
            b.as_ref().map(|b| {
                Msg::id(msg)
                    .arg("station", b.station.clone())
                    .arg("operator", b.operator.clone())
                    .render(lang)
            })
        };
        let (label_by, ship_by) = match self.remote.get(&id) {
            Some(r) => (
                by(&r.printed, "live-row-printed-by").or_else(|| by(&r.label, "live-row-label-by")),
                by(&r.shipped, "live-row-shipped-by"),
            ),
            None => (None, None),
        };
        RowNote {
            held,
            label_by,
            ship_by,
        }
    }

    /// The detail panel's lines for an order: (warning?, text), the hold first.
    pub fn detail_lines(&self, id: OrderId, now_ms: i64, lang: Lang) -> Vec<(bool, String)> {
        let mut lines = Vec::new();
        if let Some(m) = self.held_msg(id, now_ms) {
            lines.push((true, m.render(lang)));
        }
        if let Some(r) = self.remote.get(&id) {
            for (b, msg) in [
                (&r.label, "live-detail-label"),
                (&r.printed, "live-detail-print"),
                (&r.shipped, "live-detail-ship"),
            ] {
                if let Some(b) = b {
                    lines.push((
                        false,
                        Msg::id(msg)
                            .arg("station", b.station.clone())
                            .arg("operator", b.operator.clone())
                            .arg("time", clock(b.at_ms))
                            .render(lang),
                    ));
                }
            }
        }
        lines
    }
}

/// An order row's live notes, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowNote {
    pub held: Option<String>,
    pub label_by: Option<String>,
    pub ship_by: Option<String>,
}

/// True for the commands that start new work on the shared journal (refused while it is lost).
pub fn is_new_work(command: &Command) -> bool {
    matches!(
        command,
        Command::GetLabels
            | Command::RetryFailed
            | Command::Print
            | Command::PrintWithDialog
            | Command::Ship
            | Command::ConfirmShip(true)
            | Command::ShipParcel { .. }
            | Command::NewWaybill(_)
            | Command::ReprintShipped(_)
            | Command::ResumeBatch(_)
            | Command::AskCancelWaybill(_)
            | Command::ConfirmCancelWaybill(true)
            | Command::Scan(_)
    )
}

/// Updates a row for what another station did (the label itself comes from the journal with
/// [`LiveAction::ReloadLabel`]).
pub fn apply_to_row(row: &mut OrderRow, kind: EventKind) {
    match kind {
        EventKind::Printed => {
            if row.label_state != LabelState::Cancelled {
                row.label_state = LabelState::Printed;
            }
            // A print here now is a second print of the same label: told apart (amber).
            row.prints = row.prints.saturating_add(1);
        }
        EventKind::Shipped => {
            if !matches!(row.ship_state, ShipState::Shipped) {
                row.ship_state = ShipState::Shipped;
                row.order.status = crate::wechat::order::STATUS_SHIPPED;
            }
        }
        EventKind::LabelFetched | EventKind::Claimed | EventKind::Released => {}
    }
}

/// What a journal re-read brings back.
pub enum LiveReply {
    /// The label another station fetched, as the journal keeps it.
    Label(OrderId, Result<Option<crate::store::StoredLabel>, Msg>),
    /// The stations overview for the panel.
    Stations(Result<Vec<crate::store::StationOverview>, Msg>),
    /// The journal's open claims (other stations' holds among them).
    Holds(u64, Result<Vec<(OrderId, Hold)>, Msg>),
}

/// How often the open claims are read again while the journal is shared: renewals are not
/// announced one by one, so a hold's "until" would otherwise end early here.
pub const HOLDS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// The runtime side: the feed, and journal re-reads answered on a channel.
pub struct Live {
    pub state: LiveState,
    feed: Option<JournalFeed>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    runtime: tokio::runtime::Handle,
    journal: Option<crate::store::Journal>,
    replies: (mpsc::Sender<LiveReply>, mpsc::Receiver<LiveReply>),
    /// The stations panel: open, and its rows (requested when opened and on each event).
    pub stations_open: bool,
    pub stations: crate::app::request::Request<Vec<crate::store::StationOverview>>,
    /// When the open claims were last asked for (`None`: not yet, or a refresh is due).
    holds_asked: Option<std::time::Instant>,
}

impl Live {
    /// The live side of a window at `actor`'s station.
    pub fn new(
        actor: &crate::store::Actor,
        runtime: tokio::runtime::Handle,
        journal: Option<crate::store::Journal>,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        Live {
            state: LiveState::new(&actor.station, &actor.operator),
            feed: None,
            repaint,
            runtime,
            journal,
            replies: mpsc::channel(),
            stations_open: false,
            stations: crate::app::request::Request::default(),
            holds_asked: None,
        }
    }

    /// Follows this feed from now on (its health shows at once).
    pub fn attach(&mut self, feed: JournalFeed) -> Vec<LiveAction> {
        feed.on_change(self.repaint.clone());
        let health = feed.health();
        self.feed = Some(feed);
        self.state.on_health(health)
    }

    /// Starts the shared journal's feed when the journal is a shared one; an SQLite journal
    /// has none (one station alone), which is not a problem to report.
    pub fn start_feed(&mut self) -> Result<Vec<LiveAction>, FeedError> {
        let Some(journal) = &self.journal else {
            return Ok(Vec::new());
        };
        let feed = journal.feed(&self.runtime)?;
        Ok(self.attach(feed))
    }

    /// What arrived since the last frame: events first, then the health as it is now. An
    /// open stations panel is asked to reload when another station did something.
    pub fn poll(&mut self, lang: Lang) -> Vec<LiveAction> {
        let mut out = Vec::new();
        let Some(feed) = &mut self.feed else {
            return out;
        };
        let mut events = Vec::new();
        while let Some(e) = feed.try_next() {
            events.push(e);
        }
        let health = feed.health();
        let mut news = false;
        for e in events {
            let actions = self.state.on_event(e);
            news |= !actions.is_empty();
            out.extend(actions);
        }
        if self.state.health.as_ref() != Some(&health) {
            out.extend(self.state.on_health(health));
        }
        if news && self.stations_open && !self.stations.is_pending() {
            self.load_stations(lang);
        }
        out
    }

    /// Reads the label another station fetched for this order.
    pub fn reload_label(&self, order_id: OrderId, lang: Lang) {
        let Some(journal) = self.journal.clone() else {
            return;
        };
        let tx = self.replies.0.clone();
        let repaint = self.repaint.clone();
        self.runtime.spawn(async move {
            let result = journal
                .latest_label(order_id)
                .await
                .map_err(|e| Msg::Text(e.explain(lang)));
            let _ = tx.send(LiveReply::Label(order_id, result));
            repaint();
        });
    }

    /// Asks the journal for the stations overview (the panel shows the last one meanwhile).
    pub fn load_stations(&mut self, lang: Lang) {
        let Some(journal) = self.journal.clone() else {
            self.stations
                .finish(Err(Msg::id("stations-no-journal").render(lang)));
            return;
        };
        self.stations.start();
        let tx = self.replies.0.clone();
        let repaint = self.repaint.clone();
        self.runtime.spawn(async move {
            let result = journal
                .stations_overview()
                .await
                .map_err(|e| Msg::Text(e.explain(lang)));
            let _ = tx.send(LiveReply::Stations(result));
            repaint();
        });
    }

    /// Reads the open claims again when due (every [`HOLDS_EVERY`] while the shared journal is
    /// connected, and at once after it comes back).
    pub fn reload_holds_when_due(&mut self) {
        let connected = self.state.health().is_some_and(FeedHealth::is_connected);
        let due = self
            .holds_asked
            .is_none_or(|at| at.elapsed() >= HOLDS_EVERY);
        let Some(journal) = self.journal.clone().filter(|_| connected && due) else {
            return;
        };
        self.holds_asked = Some(std::time::Instant::now());
        let asked = self.state.epoch();
        let tx = self.replies.0.clone();
        let repaint = self.repaint.clone();
        self.runtime.spawn(async move {
            let result = journal
                .open_claims()
                .await
                .map(|claims| {
                    claims
                        .into_iter()
                        .map(|c| {
                            (
                                c.order_id,
                                Hold {
                                    station: c.station,
                                    operator: c.operator,
                                    until_ms: c.lease_until_ms,
                                },
                            )
                        })
                        .collect()
                })
                .map_err(|e| Msg::explained(|l| e.explain(l)));
            let _ = tx.send(LiveReply::Holds(asked, result));
            repaint();
        });
    }

    /// The open claims are read again on the next frame.
    pub fn holds_due(&mut self) {
        self.holds_asked = None;
    }

    /// Re-reads that came back.
    pub fn replies(&mut self) -> Vec<LiveReply> {
        self.replies.1.try_iter().collect()
    }
}

/// Updates the order's row in the book for what another station did.
pub fn touch_row(book: &mut OrderBook, kind: EventKind, id: OrderId) {
    if let Some(row) = book.row_mut(id) {
        apply_to_row(row, kind);
    }
}

/// The window's side: the gate on new work, held orders left out, and what the feed brings.
impl super::WaybillApp {
    /// The command to carry out, or `None` when the shared journal is lost and it would start
    /// new work (said in the log, and for a scan in the scanner's big result with a sound).
    pub(super) fn live_gate(&mut self, command: Command) -> Option<Command> {
        let Some(reason) = self.live.state.refusal() else {
            return Some(command);
        };
        if !is_new_work(&command) {
            return Some(command);
        }
        match command {
            // The question was open when the journal went: answered "not now".
            Command::ConfirmShip(true) => {
                self.log(Level::Error, reason);
                Some(Command::ConfirmShip(false))
            }
            Command::Scan(code) => {
                let code = code.trim().to_string();
                self.log(
                    Level::Info,
                    Msg::id("scan-received").arg("code", code.clone()),
                );
                let refused = match self.live.state.health() {
                    Some(FeedHealth::Reconnecting { .. }) => {
                        Msg::id("live-scan-refused-catching-up")
                    }
                    _ => Msg::id("live-scan-refused"),
                };
                let outcome = match self.book.find_scanned(&code) {
                    Some(order_id) => crate::app::scan_queue::ScanOutcome::Failed {
                        order_id,
                        error: Some(refused.clone()),
                    },
                    None => crate::app::scan_queue::ScanOutcome::NotFound { code },
                };
                self.log(Level::Error, refused);
                super::beep(false);
                self.last_scan = Some(crate::ui::scanner_ui::ScanResult { outcome });
                None
            }
            _ => {
                self.log(Level::Error, reason);
                None
            }
        }
    }

    /// The orders of `ids` this station may work on (none while the journal is away); each
    /// held elsewhere is logged with who holds it and until when.
    pub(super) fn drop_held(&mut self, ids: Vec<OrderId>) -> Vec<OrderId> {
        // Work that reaches here without a command (a scan that waited in the queue, a run
        // waiting its turn) is refused too while the journal is away.
        if let Some(reason) = self.live.state.refusal() {
            if !ids.is_empty() {
                self.log(Level::Error, reason);
            }
            return Vec::new();
        }
        let now = chrono::Utc::now().timestamp_millis();
        let (ids, refused) = self.live.state.drop_held(ids, now);
        for msg in refused {
            self.log(Level::Warn, msg);
        }
        ids
    }

    /// Follows this journal feed (tests give one of their own; a real window starts the shared
    /// journal's at start-up).
    pub fn attach_feed(&mut self, feed: JournalFeed) {
        let actions = self.live.attach(feed);
        self.carry_out_live(actions);
    }

    /// What the window knows of the other stations (tests read it).
    pub fn live(&self) -> &LiveState {
        &self.live.state
    }

    /// The stations panel's rows, once read.
    pub fn stations_rows(&self) -> Option<&[crate::store::StationOverview]> {
        self.live.stations.value().map(Vec::as_slice)
    }

    /// The stations panel is open.
    pub fn stations_open(&self) -> bool {
        self.live.stations_open
    }

    /// Once a frame: the feed's events and health, and the journal re-reads that came back.
    pub(super) fn poll_live(&mut self, ctx: &egui::Context) {
        let actions = self.live.poll(self.lang);
        self.carry_out_live(actions);
        for reply in self.live.replies() {
            match reply {
                // A cancelled waybill's label is never shown or printed.
                LiveReply::Label(order_id, Ok(Some(stored))) if stored.waybill_status == 0 => {
                    let label = stored_to_label(stored);
                    if let Some(r) = self.book.row_mut(order_id) {
                        // Our own newer label (or a print here) is not replaced by theirs.
                        if matches!(r.label_state, LabelState::None | LabelState::Cancelled)
                            && r.ship_state != ShipState::Shipped
                        {
                            r.set_waybill(crate::wechat::delivery::WaybillRef {
                                delivery_id: label.delivery_id.clone(),
                                waybill_id: label.waybill_id.clone(),
                            });
                            r.label_state = LabelState::Fetched;
                            r.label = Some(Arc::new(label));
                        }
                    }
                }
                LiveReply::Label(_, Ok(_)) => {}
                LiveReply::Label(order_id, Err(e)) => {
                    self.log(
                        Level::Warn,
                        Msg::id("order-problem")
                            .arg("order", order_id)
                            .arg("problem", e),
                    );
                }
                LiveReply::Holds(asked, Ok(holds)) => self.live.state.set_holds(holds, asked),
                // The feed's health says what is wrong with the journal; this is not news.
                LiveReply::Holds(_, Err(e)) => {
                    tracing::debug!("open claims: {}", e.render(crate::wechat::Lang::En));
                }
                LiveReply::Stations(result) => {
                    self.live
                        .stations
                        .finish(result.map_err(|m| m.render(self.lang)));
                }
            }
        }
        self.live.reload_holds_when_due();
        // A hold ends by its lease without any event: look again when the next one ends.
        if self.live.state.is_shared() {
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
    }

    pub(super) fn carry_out_live(&mut self, actions: Vec<LiveAction>) {
        for action in actions {
            match action {
                LiveAction::Log(level, msg) => self.log(level, msg),
                LiveAction::ReloadLabel(id) => self.live.reload_label(id, self.lang),
                LiveAction::Touched(kind, id) => {
                    touch_row(&mut self.book, kind, id);
                    if self.book.focused == Some(id) {
                        // The history is read again on the next frame.
                        self.history.0 = None;
                    }
                }
                LiveAction::StopRuns => {
                    let running = !self.labels.is_idle() || !self.prints.is_idle();
                    if !self.labels.is_idle() {
                        self.handle(Command::CancelLabels);
                    }
                    if !self.prints.is_idle() {
                        self.handle(Command::CancelPrint);
                    }
                    if running {
                        self.log(Level::Warn, Msg::id("live-runs-stopped"));
                    }
                }
                LiveAction::Resume => {
                    self.live.holds_due();
                    // Orders may have moved on meanwhile (shipped elsewhere): read them again.
                    self.handle(Command::Refresh);
                }
            }
        }
    }

    /// The stations panel's button and its reload.
    pub(super) fn stations_command(&mut self, command: &Command) {
        match command {
            Command::ToggleStations => {
                self.live.stations_open = !self.live.stations_open;
                if self.live.stations_open {
                    self.live.load_stations(self.lang);
                }
            }
            Command::RefreshStations => self.live.load_stations(self.lang),
            _ => {}
        }
    }
}

/// A journal label as the window's rows keep labels.
fn stored_to_label(s: crate::store::StoredLabel) -> crate::wechat::logistics::Label {
    crate::wechat::logistics::Label {
        order_id: s.order_id.to_string(),
        delivery_id: s.delivery_id,
        waybill_id: s.waybill_id,
        print_type: s.print_type,
        html: s.html,
        waybill_data: s.waybill_data,
        order_status: s.waybill_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: OrderId = OrderId(3_704_000_000_000_000_042);

    fn ev(kind: EventKind, station: &str, until_ms: Option<i64>) -> JournalEvent {
        JournalEvent {
            id: 1,
            kind,
            order_id: ORDER,
            station: station.into(),
            operator: "李四".into(),
            at_ms: 1_000,
            until_ms,
        }
    }

    fn lost() -> FeedHealth {
        FeedHealth::Lost {
            since_ms: 10,
            reason: "connection refused".into(),
        }
    }

    #[test]
    fn a_print_elsewhere_is_logged_with_station_and_operator() {
        let mut s = LiveState::new("A", "张三");
        let actions = s.on_event(ev(EventKind::Printed, "B", None));
        let Some(LiveAction::Log(Level::Info, msg)) = actions.first() else {
            panic!("no log line: {actions:?}");
        };
        let text = msg.render(Lang::ZhCn);
        assert!(text.contains("站 B") && text.contains("李四") && text.contains("已打印"));
        assert!(text.contains(&ORDER.to_string()), "{text}");
        assert_eq!(
            s.remote(ORDER)
                .and_then(|r| r.printed.as_ref())
                .map(|b| b.station.as_str()),
            Some("B")
        );
        assert_eq!(
            s.row_note(ORDER, 0, Lang::En).label_by.as_deref(),
            Some("printed by B (李四)")
        );
    }

    #[test]
    fn own_events_are_not_news() {
        let mut s = LiveState::new("A", "李四");
        assert!(s.on_event(ev(EventKind::Printed, "A", None)).is_empty());
        assert!(s
            .on_event(ev(EventKind::Claimed, "A", Some(9_999)))
            .is_empty());
        assert!(s.held_elsewhere(ORDER, 0).is_none());
        assert!(s.remote(ORDER).is_none());
    }

    #[test]
    fn a_label_elsewhere_asks_for_the_label_from_the_journal() {
        let mut s = LiveState::new("A", "张三");
        let actions = s.on_event(ev(EventKind::LabelFetched, "B", None));
        assert!(actions.contains(&LiveAction::ReloadLabel(ORDER)));
    }

    #[test]
    fn a_hold_lasts_until_its_lease_or_its_release() {
        let mut s = LiveState::new("A", "张三");
        // A claim logs nothing (they come by the hundred); only the row changes.
        assert_eq!(
            s.on_event(ev(EventKind::Claimed, "B", Some(5_000))),
            vec![LiveAction::Touched(EventKind::Claimed, ORDER)]
        );
        assert_eq!(
            s.held_elsewhere(ORDER, 4_999).map(|h| h.until_ms),
            Some(5_000)
        );
        // The lease ended without a release (a station killed): the order is free again.
        assert!(s.held_elsewhere(ORDER, 5_000).is_none());
        // A renewal moves "until" on.
        s.on_event(ev(EventKind::Claimed, "B", Some(8_000)));
        assert!(s.held_elsewhere(ORDER, 7_000).is_some());
        let (ok, refused) = s.drop_held(vec![ORDER, OrderId(1)], 7_000);
        assert_eq!(ok, vec![OrderId(1)]);
        assert_eq!(refused.len(), 1);
        let text = refused[0].render(Lang::ZhCn);
        assert!(text.contains("B") && text.contains("李四"), "{text}");
        // Another station's release does not end B's hold; B's does.
        s.on_event(ev(EventKind::Released, "C", None));
        assert!(s.held_elsewhere(ORDER, 7_000).is_some());
        s.on_event(ev(EventKind::Released, "B", None));
        assert!(s.held_elsewhere(ORDER, 7_000).is_none());
    }

    #[test]
    fn the_journal_s_open_claims_replace_the_known_holds() {
        let mut s = LiveState::new("A", "张三");
        s.on_event(ev(EventKind::Claimed, "B", Some(5_000)));
        let hold = |station: &str, until_ms| Hold {
            station: station.into(),
            operator: "王五".into(),
            until_ms,
        };
        // B renewed (until 9 000); C holds order 7 since before the window started; A's own
        // claim holds nothing back here.
        let asked = s.epoch();
        s.set_holds(
            vec![
                (ORDER, hold("B", 9_000)),
                (OrderId(7), hold("C", 9_000)),
                (OrderId(8), hold("A", 9_000)),
            ],
            asked,
        );
        assert_eq!(
            s.held_elsewhere(ORDER, 6_000).map(|h| h.until_ms),
            Some(9_000)
        );
        assert!(s.held_elsewhere(OrderId(7), 6_000).is_some());
        assert!(s.held_elsewhere(OrderId(8), 6_000).is_none());
        let asked = s.epoch();
        s.set_holds(Vec::new(), asked);
        assert!(s.held_elsewhere(ORDER, 6_000).is_none());
    }

    #[test]
    fn a_snapshot_asked_before_an_event_does_not_undo_it() {
        let mut s = LiveState::new("A", "张三");
        let asked = s.epoch();
        // While the snapshot is on its way: D claims order 9, B releases ORDER.
        s.on_event(ev(EventKind::Claimed, "B", Some(9_000)));
        let asked_after_b = s.epoch();
        let mut claim_9 = ev(EventKind::Claimed, "D", Some(9_000));
        claim_9.order_id = OrderId(9);
        s.on_event(claim_9);
        s.on_event(ev(EventKind::Released, "B", None));
        // The old snapshot still lists B's claim and not D's.
        let hold = Hold {
            station: "B".into(),
            operator: "李四".into(),
            until_ms: 9_000,
        };
        s.set_holds(vec![(ORDER, hold)], asked);
        assert!(
            s.held_elsewhere(ORDER, 1_000).is_none(),
            "a release was undone"
        );
        assert!(
            s.held_elsewhere(OrderId(9), 1_000).is_some(),
            "a claim was undone"
        );
        // A snapshot asked after every event is taken as it is.
        let now = s.epoch();
        assert!(now > asked_after_b);
        s.set_holds(Vec::new(), now);
        assert!(s.held_elsewhere(OrderId(9), 1_000).is_none());
    }

    #[test]
    fn shipped_elsewhere_ends_the_hold_and_ships_the_row() {
        let mut s = LiveState::new("A", "张三");
        s.on_event(ev(EventKind::Claimed, "B", Some(5_000)));
        s.on_event(ev(EventKind::Shipped, "B", None));
        assert!(s.held_elsewhere(ORDER, 0).is_none());
        assert!(s.row_note(ORDER, 0, Lang::ZhCn).ship_by.is_some());
    }

    #[test]
    fn blocked_when_lost_or_every_target_is_held() {
        let mut s = LiveState::new("A", "张三");
        s.on_health(FeedHealth::Connected);
        assert_eq!(s.blocked(&[ORDER], 0, Lang::En), None);
        assert!(
            !s.may_block(),
            "nothing held, journal there: no need to look"
        );
        s.on_event(ev(EventKind::Claimed, "B", Some(5_000)));
        assert!(s.may_block());
        assert!(s.blocked(&[ORDER], 0, Lang::En).is_some());
        // One free order among them: the others are left out when the work starts.
        assert_eq!(s.blocked(&[ORDER, OrderId(7)], 0, Lang::En), None);
        s.on_health(lost());
        assert!(s
            .blocked(&[OrderId(7)], 0, Lang::ZhCn)
            .is_some_and(|t| t.contains("共享日志")));
    }

    #[test]
    fn losing_the_journal_stops_runs_once_and_refuses_work_until_caught_up() {
        let mut s = LiveState::new("A", "张三");
        // Without a shared journal nothing is ever refused.
        assert!(s.refusal().is_none());
        assert!(s.on_health(FeedHealth::Connected).is_empty());
        let actions = s.on_health(lost());
        assert!(matches!(actions[0], LiveAction::Log(Level::Error, _)));
        assert!(actions.contains(&LiveAction::StopRuns));
        assert!(s.refusal().is_some());
        // Still lost with another reason (each retry): no new log line, no new stop.
        let again = s.on_health(FeedHealth::Lost {
            since_ms: 10,
            reason: "timeout".into(),
        });
        assert!(again.is_empty(), "{again:?}");
        // Connected again, catching up: still refused, nothing logged yet.
        assert!(s
            .on_health(FeedHealth::Reconnecting { since_ms: 10 })
            .is_empty());
        assert!(s.refusal().is_some());
        let back = s.on_health(FeedHealth::Connected);
        assert!(back.contains(&LiveAction::Resume));
        assert!(s.refusal().is_none());
    }

    #[test]
    fn the_first_connection_is_not_a_comeback() {
        let mut s = LiveState::new("A", "张三");
        assert!(s
            .on_health(FeedHealth::Reconnecting { since_ms: 1 })
            .is_empty());
        // Reconnecting at start-up: work waits, but "back" is logged only after a loss.
        let actions = s.on_health(FeedHealth::Connected);
        assert_eq!(actions, vec![LiveAction::Resume]);
    }

    #[test]
    fn new_work_is_told_apart_from_looking_around() {
        assert!(is_new_work(&Command::GetLabels));
        assert!(is_new_work(&Command::Scan("123".into())));
        assert!(is_new_work(&Command::ConfirmShip(true)));
        assert!(!is_new_work(&Command::ConfirmShip(false)));
        assert!(!is_new_work(&Command::Refresh));
        assert!(!is_new_work(&Command::CancelLabels));
        assert!(!is_new_work(&Command::CancelPrint));
        assert!(!is_new_work(&Command::SelectAll));
    }
}
