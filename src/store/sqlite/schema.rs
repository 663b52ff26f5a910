//! The journal's schema, versioned from the first table on: migration N takes `user_version`
//! from N-1 to N inside one transaction, so a crash mid-migration leaves the old version intact.

use rusqlite::Connection;

/// Migrations in order; index 0 produces version 1. Never edit a published one: add another.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: labels, print jobs, shipment attempts, resumable label batches.
    r#"
    CREATE TABLE batches (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL DEFAULT 'labels',
        print_type      TEXT NOT NULL CHECK (print_type IN ('one_part', 'two_part')),
        delivery_id     TEXT NOT NULL,
        biz_id          TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('open', 'finished', 'abandoned')),
        created_at_ms   INTEGER NOT NULL,
        finished_at_ms  INTEGER,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL
    );

    CREATE TABLE labels (
        id              INTEGER PRIMARY KEY,
        order_id        TEXT NOT NULL,
        delivery_id     TEXT NOT NULL,
        waybill_id      TEXT NOT NULL,
        print_type      TEXT NOT NULL CHECK (print_type IN ('one_part', 'two_part')),
        html            TEXT NOT NULL,
        waybill_data    TEXT NOT NULL DEFAULT '[]',
        waybill_status  INTEGER NOT NULL DEFAULT 0,
        batch_id        INTEGER REFERENCES batches(id),
        fetched_at_ms   INTEGER NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL
    );
    CREATE INDEX labels_by_order ON labels (order_id, id);

    CREATE TABLE batch_items (
        batch_id        INTEGER NOT NULL REFERENCES batches(id),
        position        INTEGER NOT NULL,
        order_id        TEXT NOT NULL,
        stage           TEXT NOT NULL CHECK (stage IN ('pending', 'adding', 'waybill', 'done')),
        add_request     TEXT,
        waybill_id      TEXT,
        label_id        INTEGER REFERENCES labels(id),
        errcode         INTEGER,
        error           TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        updated_at_ms   INTEGER NOT NULL,
        PRIMARY KEY (batch_id, order_id)
    );
    CREATE INDEX batch_items_by_stage ON batch_items (batch_id, stage, position);

    CREATE TABLE print_jobs (
        id              INTEGER PRIMARY KEY,
        order_id        TEXT NOT NULL,
        waybill_id      TEXT NOT NULL,
        label_id        INTEGER REFERENCES labels(id),
        printer         TEXT NOT NULL,
        copies          INTEGER NOT NULL,
        ok              INTEGER NOT NULL CHECK (ok IN (0, 1)),
        error           TEXT,
        at_ms           INTEGER NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL
    );
    CREATE INDEX print_jobs_by_order ON print_jobs (order_id, id);

    CREATE TABLE shipments (
        id              INTEGER PRIMARY KEY,
        order_id        TEXT NOT NULL,
        waybills        TEXT NOT NULL,
        request         TEXT,
        state           TEXT NOT NULL CHECK (state IN ('sending', 'shipped', 'already_shipped',
                            'confirmed_on_reread', 'refused', 'failed', 'unknown', 'interrupted')),
        errcode         INTEGER,
        error           TEXT,
        started_at_ms   INTEGER NOT NULL,
        finished_at_ms  INTEGER,
        owner_pid       INTEGER NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL
    );
    CREATE INDEX shipments_by_order ON shipments (order_id, id);
    -- At most one attempt per order may be on its way to WeChat, across every process.
    CREATE UNIQUE INDEX shipments_one_in_flight ON shipments (order_id) WHERE state = 'sending';
    "#,
    // 2: cancelled waybills (never reused), parcels of split shipments, orders a batch skipped.
    r#"
    CREATE TABLE waybill_cancels (
        id              INTEGER PRIMARY KEY,
        order_id        TEXT NOT NULL,
        delivery_id     TEXT NOT NULL,
        waybill_id      TEXT NOT NULL,
        -- 'cancelled': this app cancelled it; 'seen_cancelled': WeChat reported order_status 1.
        source          TEXT NOT NULL CHECK (source IN ('cancelled', 'seen_cancelled')),
        at_ms           INTEGER NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL
    );
    CREATE UNIQUE INDEX waybill_cancels_once ON waybill_cancels (delivery_id, waybill_id);
    CREATE INDEX waybill_cancels_by_order ON waybill_cancels (order_id);

    -- One row per shipment attempt that ships a parcel: what went in, and whether it leaves
    -- anything of the order to ship (a partial parcel does not make the order "shipped").
    CREATE TABLE parcels (
        shipment_id     INTEGER PRIMARY KEY REFERENCES shipments(id),
        order_id        TEXT NOT NULL,
        items           TEXT NOT NULL,
        completes_order INTEGER NOT NULL CHECK (completes_order IN (0, 1))
    );
    CREATE INDEX parcels_by_order ON parcels (order_id);

    CREATE TABLE batch_skips (
        batch_id        INTEGER NOT NULL REFERENCES batches(id),
        order_id        TEXT NOT NULL,
        reason          TEXT NOT NULL,
        PRIMARY KEY (batch_id, order_id)
    );
    "#,
    // 3: the order cache (issue 12): the shop's orders as last read, with WeChat's
    // update_time, so a refresh lists and reads only what changed.
    r#"
    CREATE TABLE order_cache (
        -- The account: API base, AppID and shop family (a sandbox on another port is another).
        account         TEXT NOT NULL,
        order_id        TEXT NOT NULL,
        status          INTEGER NOT NULL,
        created_unix    INTEGER NOT NULL,
        update_unix     INTEGER NOT NULL,
        -- The order as JSON (waybill_desk::wechat::order::Order).
        body            TEXT NOT NULL,
        synced_at_ms    INTEGER NOT NULL,
        PRIMARY KEY (account, order_id)
    );
    CREATE INDEX order_cache_by_created ON order_cache (account, created_unix);

    -- For each account and status filter ('all' or the status), from which creation time the
    -- cache holds every order, and when it was last listed in full.
    CREATE TABLE order_sync (
        account         TEXT NOT NULL,
        scope           TEXT NOT NULL,
        covered_from    INTEGER NOT NULL,
        full_at_ms      INTEGER NOT NULL,
        PRIMARY KEY (account, scope)
    );

    -- For each account, the station's time when the last listing by update time began: every
    -- change WeChat made before it (less the clock margin) is in the cache.
    CREATE TABLE order_sync_mark (
        account         TEXT PRIMARY KEY,
        updated_to      INTEGER NOT NULL
    );
    "#,
    // 4: claims with leases (issue 13): which process holds an order while it creates its
    // waybill, prints or ships it (several processes may share one file).
    crate::store::claims::SQLITE_DDL,
];

/// The version this build writes.
pub(crate) fn latest_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

pub(crate) fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
}

/// Applies the missing migrations. Returns the version found before.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let found = current_version(conn)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        if current_version(&tx)? as usize > index {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
        tracing::info!(version = index + 1, "journal schema migrated");
    }
    Ok(found)
}
