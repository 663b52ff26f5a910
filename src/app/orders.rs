//! The orders the station works on: rows with their label and ship state, the filtered and
//! sorted view the table shows, and the selection (click, shift-click, ctrl-click, ctrl-A).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::wechat::delivery::WaybillRef;
use crate::wechat::logistics::Label;
use crate::wechat::order::Order;
use crate::wechat::OrderId;

/// Where an order's label stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LabelState {
    None,
    Fetching,
    Fetched,
    Printed,
    /// The waybill was cancelled (here or by WeChat): its label is never shown or printed,
    /// and the order needs a new waybill.
    Cancelled,
}

/// Where an order's shipment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShipState {
    Pending,
    /// Some parcels went out; the rest is still to be shipped.
    Partly,
    Shipping,
    Shipped,
    Error,
}

/// OrderStatus 100 (seed 002): complete.
const STATUS_COMPLETED: u32 = 100;

/// True when nothing of the order is left to ship (status 30 or 100). A partly shipped order
/// (21) is not: what is left still needs a parcel.
pub fn is_fully_shipped(order: &Order) -> bool {
    matches!(
        order.status,
        crate::wechat::order::STATUS_SHIPPED | STATUS_COMPLETED
    )
}

fn ship_state_of(order: &Order) -> ShipState {
    if is_fully_shipped(order) {
        ShipState::Shipped
    } else if order.status == crate::wechat::order::STATUS_PARTLY_SHIPPED {
        ShipState::Partly
    } else {
        ShipState::Pending
    }
}

/// One row of the orders table.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub order: Order,
    pub waybill: Option<WaybillRef>,
    pub label: Option<Arc<Label>>,
    pub label_state: LabelState,
    pub ship_state: ShipState,
    /// The last error, explained in both languages (drawn in the current one).
    pub last_error: Option<crate::i18n::Msg>,
    /// Times its label printed in this session (a second print is a reprint).
    pub prints: u32,
    /// Lower-cased text the free-text search looks in.
    search_text: String,
}

impl OrderRow {
    fn new(order: Order) -> Self {
        // An earlier parcel's waybill is this order's waybill only when nothing is left to ship;
        // a partly shipped order needs a new waybill for the rest.
        let waybill = if is_fully_shipped(&order) {
            order.shipped_packages.last().map(|p| WaybillRef {
                delivery_id: crate::wechat::DeliveryId(p.delivery_id.clone()),
                waybill_id: crate::wechat::WaybillId(p.waybill_id.clone()),
            })
        } else {
            None
        };
        let mut row = OrderRow {
            waybill,
            ship_state: ship_state_of(&order),
            order,
            label: None,
            label_state: LabelState::None,
            last_error: None,
            prints: 0,
            search_text: String::new(),
        };
        row.refresh_search_text();
        row
    }

    fn refresh_search_text(&mut self) {
        let waybill = self
            .waybill
            .as_ref()
            .map(|w| w.waybill_id.0.as_str())
            .unwrap_or("");
        self.search_text = format!(
            "{} {} {} {}",
            self.order.id, self.order.address.user_name, self.order.address.tel_number, waybill
        )
        .to_lowercase();
    }

    /// Sets the waybill (and keeps search in step).
    pub fn set_waybill(&mut self, waybill: WaybillRef) {
        self.waybill = Some(waybill);
        if self.label_state == LabelState::Cancelled {
            self.label_state = LabelState::None;
        }
        self.refresh_search_text();
    }

    /// The waybill was cancelled: forget it and its label, so nothing can print or ship it.
    pub fn waybill_cancelled(&mut self) {
        self.waybill = None;
        self.label = None;
        self.label_state = LabelState::Cancelled;
        self.refresh_search_text();
    }

    /// The last error in zh-CN (sorting, tests); draw it with `last_error.render(lang)`.
    pub fn error_text(&self) -> Option<String> {
        self.last_error
            .as_ref()
            .map(|m| m.render(crate::i18n::Lang::ZhCn))
    }

    /// Why this order takes no courier (greyed in the table), if it does not.
    pub fn no_courier(&self) -> Option<crate::wechat::order::NoCourier> {
        self.order.no_courier_reason()
    }

    /// Total pieces to ship.
    pub fn pieces(&self) -> u32 {
        self.order.shippable_pieces()
    }
}

/// Table columns that can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    OrderId,
    Created,
    Status,
    Buyer,
    Items,
    Courier,
    Waybill,
    Label,
    Ship,
    Error,
}

/// What the table shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// `None` shows every status.
    pub status: Option<u32>,
    /// Unix seconds, inclusive.
    pub created_from: i64,
    /// Unix seconds, inclusive.
    pub created_to: i64,
    /// Matches order id, buyer name, phone tail, waybill id.
    pub text: String,
}

impl Filter {
    fn matches(&self, row: &OrderRow) -> bool {
        if self.status.is_some_and(|s| row.order.status != s) {
            return false;
        }
        if row.order.created_unix < self.created_from || row.order.created_unix > self.created_to {
            return false;
        }
        let needle = self.text.trim().to_lowercase();
        needle.is_empty() || row.search_text.contains(&needle)
    }
}

/// All orders, the view and the selection.
#[derive(Debug)]
pub struct OrderBook {
    rows: Vec<OrderRow>,
    index: HashMap<OrderId, usize>,
    /// Indices into `rows`, filtered and sorted: what the table shows.
    view: Vec<usize>,
    selected: HashSet<OrderId>,
    /// View position shift-click extends from.
    anchor: Option<usize>,
    /// The order the detail panel shows.
    pub focused: Option<OrderId>,
    pub filter: Filter,
    sort: (SortKey, bool),
}

/// Keyboard modifiers of a click, as the book needs them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickMods {
    pub ctrl: bool,
    pub shift: bool,
}

impl OrderBook {
    /// An empty book with a filter.
    pub fn new(filter: Filter) -> Self {
        OrderBook {
            rows: Vec::new(),
            index: HashMap::new(),
            view: Vec::new(),
            selected: HashSet::new(),
            anchor: None,
            focused: None,
            filter,
            sort: (SortKey::Created, false),
        }
    }

    /// Merges a fresh list from the API: known orders get the new data but keep their label,
    /// ship state, waybill and selection; new orders are added.
    pub fn merge(&mut self, orders: Vec<Order>) {
        for order in orders {
            match self.index.get(&order.id) {
                Some(&i) => {
                    let row = &mut self.rows[i];
                    if row.ship_state != ShipState::Shipping && row.ship_state != ShipState::Error {
                        row.ship_state = ship_state_of(&order);
                    } else if is_fully_shipped(&order) {
                        row.ship_state = ShipState::Shipped;
                    }
                    row.order = order;
                    row.refresh_search_text();
                }
                None => {
                    self.index.insert(order.id, self.rows.len());
                    self.rows.push(OrderRow::new(order));
                }
            }
        }
        self.rebuild_view();
    }

    /// Re-applies filter and sort; call after changing either.
    pub fn rebuild_view(&mut self) {
        let focused_pos = self.anchor.and_then(|p| self.view.get(p).copied());
        self.view = (0..self.rows.len())
            .filter(|&i| self.filter.matches(&self.rows[i]))
            .collect();
        let (key, ascending) = self.sort;
        let rows = &self.rows;
        self.view.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            let ord = match key {
                SortKey::OrderId => ra.order.id.cmp(&rb.order.id),
                SortKey::Created => ra.order.created_unix.cmp(&rb.order.created_unix),
                SortKey::Status => ra.order.status.cmp(&rb.order.status),
                SortKey::Buyer => ra.order.address.user_name.cmp(&rb.order.address.user_name),
                SortKey::Items => ra.pieces().cmp(&rb.pieces()),
                SortKey::Courier => courier(ra).cmp(courier(rb)),
                SortKey::Waybill => waybill(ra).cmp(waybill(rb)),
                SortKey::Label => ra.label_state.cmp(&rb.label_state),
                SortKey::Ship => ra.ship_state.cmp(&rb.ship_state),
                SortKey::Error => ra.error_text().cmp(&rb.error_text()),
            };
            let ord = ord.then(ra.order.id.cmp(&rb.order.id));
            if ascending {
                ord
            } else {
                ord.reverse()
            }
        });
        // Keep the shift-click anchor on the same row if it is still shown.
        self.anchor = focused_pos.and_then(|row| self.view.iter().position(|&i| i == row));
    }

    /// Sorts by a column; the same column again flips the direction.
    pub fn sort_by(&mut self, key: SortKey) {
        self.sort = if self.sort.0 == key {
            (key, !self.sort.1)
        } else {
            (key, true)
        };
        self.rebuild_view();
    }

    /// The current sort column and direction (true = ascending).
    pub fn sort(&self) -> (SortKey, bool) {
        self.sort
    }

    /// Rows shown, in order.
    pub fn view_len(&self) -> usize {
        self.view.len()
    }

    /// The row at a view position.
    pub fn view_row(&self, pos: usize) -> Option<&OrderRow> {
        self.view.get(pos).map(|&i| &self.rows[i])
    }

    /// Every order, shown or not.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no orders at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A row by id.
    pub fn row(&self, id: OrderId) -> Option<&OrderRow> {
        self.index.get(&id).map(|&i| &self.rows[i])
    }

    /// A row by id, to change.
    pub fn row_mut(&mut self, id: OrderId) -> Option<&mut OrderRow> {
        self.index.get(&id).map(|&i| &mut self.rows[i])
    }

    /// A click on a view row: plain selects only it, ctrl toggles it, shift selects the range
    /// from the anchor. The clicked row gets the focus.
    pub fn click(&mut self, pos: usize, mods: ClickMods) {
        let Some(&row) = self.view.get(pos) else {
            return;
        };
        let id = self.rows[row].order.id;
        if mods.shift {
            let anchor = self.anchor.unwrap_or(pos);
            let (lo, hi) = (anchor.min(pos), anchor.max(pos));
            if !mods.ctrl {
                self.selected.clear();
            }
            for p in lo..=hi {
                self.selected.insert(self.rows[self.view[p]].order.id);
            }
        } else if mods.ctrl {
            if !self.selected.remove(&id) {
                self.selected.insert(id);
            }
            self.anchor = Some(pos);
        } else {
            self.selected.clear();
            self.selected.insert(id);
            self.anchor = Some(pos);
        }
        self.focused = Some(id);
    }

    /// Moves the focus `delta` rows up or down in the view (like a click there; with shift the
    /// selection extends from the anchor).
    pub fn move_focus(&mut self, delta: isize, mods: ClickMods) {
        if self.view.is_empty() {
            return;
        }
        let current = self.focused.and_then(|id| self.view_position(id));
        let target = match current {
            None => 0,
            Some(p) => p.saturating_add_signed(delta).min(self.view.len() - 1),
        };
        self.click(
            target,
            ClickMods {
                ctrl: false,
                shift: mods.shift,
            },
        );
    }

    /// Selects every shown row.
    pub fn select_all(&mut self) {
        for &i in &self.view {
            self.selected.insert(self.rows[i].order.id);
        }
    }

    /// Clears the selection.
    pub fn clear_selection(&mut self) {
        self.selected.clear();
    }

    /// Selects exactly these orders (e.g. the ones that failed).
    pub fn select_only(&mut self, ids: impl IntoIterator<Item = OrderId>) {
        self.selected = ids.into_iter().collect();
    }

    /// True when the order is selected.
    pub fn is_selected(&self, id: OrderId) -> bool {
        self.selected.contains(&id)
    }

    /// How many orders are selected.
    pub fn selected_count(&self) -> usize {
        self.selected.len()
    }

    /// Selected orders in table order (hidden selected rows follow, by id).
    pub fn selected_in_view_order(&self) -> Vec<OrderId> {
        let mut out: Vec<OrderId> = self
            .view
            .iter()
            .map(|&i| self.rows[i].order.id)
            .filter(|id| self.selected.contains(id))
            .collect();
        let shown: HashSet<OrderId> = out.iter().copied().collect();
        let mut hidden: Vec<OrderId> = self
            .selected
            .iter()
            .copied()
            .filter(|id| !shown.contains(id))
            .collect();
        hidden.sort_unstable();
        out.extend(hidden);
        out
    }

    /// The selection, or the focused order when nothing is selected.
    pub fn targets(&self) -> Vec<OrderId> {
        let selected = self.selected_in_view_order();
        if selected.is_empty() {
            self.focused.into_iter().collect()
        } else {
            selected
        }
    }

    /// Finds the order a scanned code names: an order id or a waybill id.
    pub fn find_scanned(&self, code: &str) -> Option<OrderId> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        if let Ok(id) = code.parse::<u64>() {
            if self.index.contains_key(&OrderId(id)) {
                return Some(OrderId(id));
            }
        }
        self.rows
            .iter()
            .find(|r| {
                r.waybill
                    .as_ref()
                    .is_some_and(|w| w.waybill_id.0.eq_ignore_ascii_case(code))
            })
            .map(|r| r.order.id)
    }

    /// The view position of an order, if shown.
    pub fn view_position(&self, id: OrderId) -> Option<usize> {
        let row = *self.index.get(&id)?;
        self.view.iter().position(|&i| i == row)
    }
}

fn courier(row: &OrderRow) -> &str {
    row.waybill
        .as_ref()
        .map_or("", |w| w.delivery_id.0.as_str())
}

fn waybill(row: &OrderRow) -> &str {
    row.waybill.as_ref().map_or("", |w| w.waybill_id.0.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::order::Address;

    fn order(id: u64, created: i64, name: &str, phone: &str, status: u32) -> Order {
        Order {
            id: OrderId(id),
            status,
            created_unix: created,
            openid: String::new(),
            products: vec![],
            address: Address {
                user_name: name.into(),
                tel_number: phone.into(),
                ..Address::default()
            },
            customer_notes: String::new(),
            merchant_notes: String::new(),
            order_price_fen: 0,
            freight_fen: 0,
            open_aftersale_count: 0,
            shipped_packages: vec![],
            ..Order::default()
        }
    }

    fn book() -> OrderBook {
        let mut b = OrderBook::new(Filter {
            status: Some(20),
            created_from: 0,
            created_to: i64::MAX,
            text: String::new(),
        });
        b.merge(vec![
            order(1, 100, "王芳", "13800000001", 20),
            order(2, 300, "李强", "13800000002", 20),
            order(3, 200, "张伟", "13800009999", 20),
            order(4, 400, "赵六", "13800000004", 30),
        ]);
        b
    }

    fn ids(b: &OrderBook) -> Vec<u64> {
        (0..b.view_len())
            .map(|p| b.view_row(p).unwrap().order.id.0)
            .collect()
    }

    #[test]
    fn default_view_is_newest_first_and_filtered_by_status() {
        assert_eq!(ids(&book()), vec![2, 3, 1]);
    }

    #[test]
    fn sort_flips_on_second_click() {
        let mut b = book();
        b.sort_by(SortKey::OrderId);
        assert_eq!(ids(&b), vec![1, 2, 3]);
        b.sort_by(SortKey::OrderId);
        assert_eq!(ids(&b), vec![3, 2, 1]);
    }

    #[test]
    fn text_search_finds_name_phone_tail_and_id() {
        let mut b = book();
        b.filter.text = "9999".into();
        b.rebuild_view();
        assert_eq!(ids(&b), vec![3]);
        b.filter.text = "王".into();
        b.rebuild_view();
        assert_eq!(ids(&b), vec![1]);
    }

    #[test]
    fn click_shift_click_ctrl_click_and_select_all() {
        let mut b = book();
        b.click(0, ClickMods::default());
        assert_eq!(b.selected_in_view_order(), vec![OrderId(2)]);
        b.click(
            2,
            ClickMods {
                shift: true,
                ctrl: false,
            },
        );
        assert_eq!(
            b.selected_in_view_order(),
            vec![OrderId(2), OrderId(3), OrderId(1)]
        );
        b.click(
            1,
            ClickMods {
                ctrl: true,
                shift: false,
            },
        );
        assert_eq!(b.selected_in_view_order(), vec![OrderId(2), OrderId(1)]);
        b.clear_selection();
        b.select_all();
        assert_eq!(b.selected_count(), 3);
        assert_eq!(b.focused, Some(OrderId(3)));
    }

    #[test]
    fn arrow_keys_move_the_focus_and_shift_extends() {
        let mut b = book();
        b.move_focus(1, ClickMods::default());
        assert_eq!(
            b.focused,
            Some(OrderId(2)),
            "first press focuses the top row"
        );
        b.move_focus(1, ClickMods::default());
        assert_eq!(b.focused, Some(OrderId(3)));
        b.move_focus(
            1,
            ClickMods {
                shift: true,
                ctrl: false,
            },
        );
        assert_eq!(b.selected_in_view_order(), vec![OrderId(3), OrderId(1)]);
        b.move_focus(5, ClickMods::default());
        assert_eq!(b.focused, Some(OrderId(1)), "stops at the last row");
        b.move_focus(-9, ClickMods::default());
        assert_eq!(b.focused, Some(OrderId(2)));
    }

    #[test]
    fn refresh_keeps_selection_and_row_state() {
        let mut b = book();
        b.click(0, ClickMods::default());
        b.row_mut(OrderId(2)).unwrap().label_state = LabelState::Printed;
        b.merge(vec![
            order(2, 300, "李强", "13800000002", 20),
            order(5, 500, "新", "1", 20),
        ]);
        assert!(b.is_selected(OrderId(2)));
        assert_eq!(b.row(OrderId(2)).unwrap().label_state, LabelState::Printed);
        assert_eq!(ids(&b), vec![5, 2, 3, 1]);
    }

    #[test]
    fn scanned_codes_find_orders_by_id_or_waybill() {
        let mut b = book();
        b.row_mut(OrderId(3))
            .unwrap()
            .set_waybill("SF:SF1234".parse().unwrap());
        assert_eq!(b.find_scanned("2"), Some(OrderId(2)));
        assert_eq!(b.find_scanned(" sf1234 "), Some(OrderId(3)));
        assert_eq!(b.find_scanned("999"), None);
        b.filter.text = "sf1234".into();
        b.rebuild_view();
        assert_eq!(ids(&b), vec![3]);
    }
}
