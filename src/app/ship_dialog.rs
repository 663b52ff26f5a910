//! The two questions shipping can ask: which items go in this parcel (split shipping, when the
//! rest is out of stock) and the SN code a national-subsidy order needs (WeChat 606060). A small
//! state machine, tested without egui; `crate::ui::ship_dialog_ui` draws it.

use crate::wechat::order::{Order, ParcelItem};
use crate::wechat::OrderId;

/// One line of the split dialog: a product with what is left of it and how many go in the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLine {
    pub product_id: u64,
    pub sku_id: u64,
    pub title: String,
    /// SKU attributes in one line (颜色:红 尺码:L).
    pub attrs: String,
    /// Pieces still to ship of this line.
    pub left: u32,
    /// Pieces the packer puts in this parcel (0..=left).
    pub count: u32,
}

/// An open ship dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipDialog {
    /// Choose the items of this parcel; the rest stays to be shipped.
    Split {
        order_id: OrderId,
        lines: Vec<SplitLine>,
    },
    /// WeChat wants the national-subsidy SN (and IMEIs for phones) for this parcel.
    Sn {
        order_id: OrderId,
        /// The parcel's items when it was a split parcel; `None` = everything left.
        items: Option<Vec<ParcelItem>>,
        sn: String,
        /// IMEIs, space or comma separated (at most two).
        imeis: String,
        /// Why the last answer was not accepted.
        problem: Option<String>,
    },
}

/// Why the split dialog cannot ship yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitProblem {
    /// Every count is 0.
    NothingChosen,
    /// Nothing of the order is left to ship.
    NothingLeft,
}

impl ShipDialog {
    /// The split dialog for an order, every line at what is left (the packer lowers counts).
    /// `None` when nothing is left to ship.
    pub fn split(order: &Order) -> Option<ShipDialog> {
        let lines: Vec<SplitLine> = order
            .remaining_items()
            .into_iter()
            .filter(|item| item.count > 0)
            .map(|item| {
                let product = order
                    .products
                    .iter()
                    .find(|p| p.product_id == item.product_id && p.sku_id == item.sku_id);
                SplitLine {
                    product_id: item.product_id,
                    sku_id: item.sku_id,
                    title: product.map(|p| p.title.clone()).unwrap_or_default(),
                    attrs: product
                        .map(|p| {
                            p.sku_attrs
                                .iter()
                                .map(|a| format!("{}:{}", a.attr_key, a.attr_value))
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default(),
                    left: item.count,
                    count: item.count,
                }
            })
            .collect();
        (!lines.is_empty()).then_some(ShipDialog::Split {
            order_id: order.id,
            lines,
        })
    }

    /// The SN question for a parcel.
    pub fn sn(order_id: OrderId, items: Option<Vec<ParcelItem>>) -> ShipDialog {
        ShipDialog::Sn {
            order_id,
            items,
            sn: String::new(),
            imeis: String::new(),
            problem: None,
        }
    }

    /// The order the dialog is about.
    pub fn order_id(&self) -> OrderId {
        match self {
            ShipDialog::Split { order_id, .. } | ShipDialog::Sn { order_id, .. } => *order_id,
        }
    }

    /// The parcel the split dialog describes: `None` items means "everything left" (every line
    /// at its maximum), so the request is the same as a plain ship.
    pub fn chosen(&self) -> Result<Option<Vec<ParcelItem>>, SplitProblem> {
        match self {
            ShipDialog::Split { lines, .. } => {
                if lines.is_empty() {
                    return Err(SplitProblem::NothingLeft);
                }
                let items: Vec<ParcelItem> = lines
                    .iter()
                    .filter(|l| l.count > 0)
                    .map(|l| ParcelItem {
                        product_id: l.product_id,
                        sku_id: l.sku_id,
                        count: l.count.min(l.left),
                    })
                    .collect();
                if items.is_empty() {
                    Err(SplitProblem::NothingChosen)
                } else if lines.iter().all(|l| l.count >= l.left) {
                    Ok(None)
                } else {
                    Ok(Some(items))
                }
            }
            ShipDialog::Sn { items, .. } => Ok(items.clone()),
        }
    }

    /// The IMEIs typed in the SN dialog.
    pub fn imei_list(imeis: &str) -> Vec<String> {
        imeis
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::order::{OrderProduct, ShippedPackage};

    fn product(product_id: u64, sku_id: u64, sku_cnt: u32) -> OrderProduct {
        OrderProduct {
            product_id,
            sku_id,
            title: format!("商品{product_id}"),
            thumb_img: String::new(),
            sku_attrs: Vec::new(),
            sku_cnt,
            on_aftersale_sku_cnt: 0,
            finish_aftersale_sku_cnt: 0,
            sale_price_fen: 100,
        }
    }

    fn order() -> Order {
        let mut refunded = product(2, 20, 3);
        refunded.finish_aftersale_sku_cnt = 1;
        Order {
            id: OrderId(3_704_000_000_000_000_001),
            status: 21,
            products: vec![product(1, 10, 2), refunded, product(3, 30, 1)],
            shipped_packages: vec![ShippedPackage {
                delivery_id: "ZTO".into(),
                waybill_id: "ZT1".into(),
                products: vec![ParcelItem {
                    product_id: 3,
                    sku_id: 30,
                    count: 1,
                }],
                ..ShippedPackage::default()
            }],
            ..Order::default()
        }
    }

    #[test]
    fn split_lines_are_what_is_left_and_a_full_box_is_a_plain_ship() {
        let dialog = ShipDialog::split(&order()).unwrap();
        let ShipDialog::Split { lines, .. } = &dialog else {
            panic!("split dialog");
        };
        // Line 3 went out in the earlier parcel; line 2 lost one piece to after-sales.
        let left: Vec<(u64, u32)> = lines.iter().map(|l| (l.product_id, l.left)).collect();
        assert_eq!(left, vec![(1, 2), (2, 2)]);
        assert_eq!(dialog.chosen(), Ok(None));
    }

    #[test]
    fn a_lowered_count_ships_only_that_part() {
        let mut dialog = ShipDialog::split(&order()).unwrap();
        if let ShipDialog::Split { lines, .. } = &mut dialog {
            lines[0].count = 1;
            lines[1].count = 0;
        }
        assert_eq!(
            dialog.chosen(),
            Ok(Some(vec![ParcelItem {
                product_id: 1,
                sku_id: 10,
                count: 1
            }]))
        );
        if let ShipDialog::Split { lines, .. } = &mut dialog {
            lines[0].count = 0;
        }
        assert_eq!(dialog.chosen(), Err(SplitProblem::NothingChosen));
    }

    #[test]
    fn nothing_left_means_no_dialog_and_imeis_split_on_any_separator() {
        let mut done = order();
        done.products.truncate(0);
        assert_eq!(ShipDialog::split(&done), None);
        assert_eq!(
            ShipDialog::imei_list(" 8601, 8602，\n"),
            vec!["8601".to_string(), "8602".to_string()]
        );
    }
}
