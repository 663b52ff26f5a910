//! `journal stations`: the admin view of a shared journal — every station that recorded
//! something, its operators, the orders it holds now (claims with a live lease) and today's
//! counts (labels fetched, labels printed, orders shipped). The window's stations panel reads
//! the same `Journal::stations_overview`.

use std::io::Write as _;
use std::process::ExitCode;

use crate::store::{Journal, StationOverview};
use crate::wechat::Lang;

/// Prints the overview: a table, or one JSON object per station with `--json`.
pub(super) async fn stations(
    journal: &Journal,
    json: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let rows = journal.stations_overview().await?;
    let mut out = std::io::stdout().lock();
    if json {
        for row in &rows {
            writeln!(out, "{}", serde_json::to_string(row)?)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        drop(out);
        eprintln!(
            "{}",
            if lang == Lang::ZhCn {
                "记录本里还没有任何工作站的记录"
            } else {
                "no station has recorded anything in this journal yet"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    for line in table(&rows, lang) {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The table's lines: a header, then one line per station, columns padded to fit.
fn table(rows: &[StationOverview], lang: Lang) -> Vec<String> {
    let header: [&str; 7] = match lang {
        Lang::ZhCn => [
            "工作站",
            "操作员",
            "占用中",
            "面单",
            "打印",
            "发货",
            "最后记录",
        ],
        Lang::En => [
            "station",
            "operators",
            "claims",
            "labels",
            "prints",
            "ships",
            "last seen",
        ],
    };
    let mut cells: Vec<[String; 7]> = vec![header.map(String::from)];
    for r in rows {
        let claims = if r.open_claims == 0 {
            "0".to_string()
        } else {
            // Which work the live claims are for: l(abels) p(rint) s(hip).
            let parts: Vec<String> = [
                (r.open_claims_labels, "labels"),
                (r.open_claims_print, "print"),
                (r.open_claims_ship, "ship"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            parts.join(", ")
        };
        cells.push([
            r.station.clone(),
            r.operators.join(", "),
            claims,
            r.labels_today.to_string(),
            r.prints_today.to_string(),
            r.ships_today.to_string(),
            r.last_seen_ms
                .map_or_else(|| "-".to_string(), crate::store::claims::clock_time_or_date),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            cells
                .iter()
                .map(|row| display_width(&row[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - display_width(cell))))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Columns a string takes in a terminal: CJK characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up_and_names_what_claims_are_for() {
        let rows = vec![
            StationOverview {
                station: "north".into(),
                operators: vec!["li".into(), "wang".into()],
                open_claims: 3,
                open_claims_labels: 2,
                open_claims_ship: 1,
                labels_today: 120,
                prints_today: 118,
                ships_today: 97,
                ..StationOverview::default()
            },
            StationOverview {
                station: "south-2".into(),
                operators: vec!["赵".into()],
                ..StationOverview::default()
            },
        ];
        let lines = table(&rows, Lang::En);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("station  operators"), "{}", lines[0]);
        assert!(lines[1].contains("2 labels, 1 ship"), "{}", lines[1]);
        assert!(lines[1].contains("120") && lines[1].contains("97"));
        // The counts start in the same column as their header.
        assert_eq!(lines[0].find("labels"), lines[1].find("120"));
        assert_eq!(lines[0].find("ships"), lines[1].find("97"));
        assert!(lines[2].ends_with('-'), "never seen: {}", lines[2]);
        let zh = table(&rows, Lang::ZhCn);
        assert!(zh[0].starts_with("工作站"));
        assert_eq!(display_width("赵"), 2);
    }
}
