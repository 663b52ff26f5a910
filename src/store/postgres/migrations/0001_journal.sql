-- 1: the journal of the SQLite engine (schema 3 there) for several stations: labels, print
-- jobs, shipment attempts, resumable batches, cancelled waybills, parcels, batch skips and the
-- order cache. Order ids are TEXT (they exceed 2^53); times are ms since the epoch (BIGINT).
-- `origin`/`origin_id` name a row copied from a station's SQLite journal (`journal copy`), so
-- a second copy finds it instead of adding it again.
CREATE TABLE batches (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL DEFAULT 'labels',
    print_type      TEXT NOT NULL CHECK (print_type IN ('one_part', 'two_part')),
    delivery_id     TEXT NOT NULL,
    biz_id          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'finished', 'abandoned')),
    created_at_ms   BIGINT NOT NULL,
    finished_at_ms  BIGINT,
    station         TEXT NOT NULL,
    operator        TEXT NOT NULL,
    origin          TEXT,
    origin_id       BIGINT,
    UNIQUE (origin, origin_id)
);

CREATE TABLE labels (
    id              BIGSERIAL PRIMARY KEY,
    order_id        TEXT NOT NULL,
    delivery_id     TEXT NOT NULL,
    waybill_id      TEXT NOT NULL,
    print_type      TEXT NOT NULL CHECK (print_type IN ('one_part', 'two_part')),
    html            TEXT NOT NULL,
    waybill_data    TEXT NOT NULL DEFAULT '[]',
    waybill_status  BIGINT NOT NULL DEFAULT 0,
    batch_id        BIGINT REFERENCES batches(id),
    fetched_at_ms   BIGINT NOT NULL,
    station         TEXT NOT NULL,
    operator        TEXT NOT NULL,
    origin          TEXT,
    origin_id       BIGINT,
    UNIQUE (origin, origin_id)
);
CREATE INDEX labels_by_order ON labels (order_id, id);

CREATE TABLE batch_items (
    batch_id        BIGINT NOT NULL REFERENCES batches(id),
    position        BIGINT NOT NULL,
    order_id        TEXT NOT NULL,
    stage           TEXT NOT NULL CHECK (stage IN ('pending', 'adding', 'waybill', 'done')),
    add_request     TEXT,
    waybill_id      TEXT,
    label_id        BIGINT REFERENCES labels(id),
    errcode         BIGINT,
    error           TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (batch_id, order_id)
);
CREATE INDEX batch_items_by_stage ON batch_items (batch_id, stage, position);

CREATE TABLE print_jobs (
    id              BIGSERIAL PRIMARY KEY,
    order_id        TEXT NOT NULL,
    waybill_id      TEXT NOT NULL,
    label_id        BIGINT REFERENCES labels(id),
    printer         TEXT NOT NULL,
    copies          BIGINT NOT NULL,
    ok              BOOLEAN NOT NULL,
    error           TEXT,
    at_ms           BIGINT NOT NULL,
    station         TEXT NOT NULL,
    operator        TEXT NOT NULL,
    origin          TEXT,
    origin_id       BIGINT,
    UNIQUE (origin, origin_id)
);
CREATE INDEX print_jobs_by_order ON print_jobs (order_id, id);

CREATE TABLE shipments (
    id              BIGSERIAL PRIMARY KEY,
    order_id        TEXT NOT NULL,
    waybills        TEXT NOT NULL,
    request         TEXT,
    state           TEXT NOT NULL CHECK (state IN ('sending', 'shipped', 'already_shipped',
                        'confirmed_on_reread', 'refused', 'failed', 'unknown', 'interrupted')),
    errcode         BIGINT,
    error           TEXT,
    started_at_ms   BIGINT NOT NULL,
    finished_at_ms  BIGINT,
    owner_pid       BIGINT NOT NULL,
    station         TEXT NOT NULL,
    operator        TEXT NOT NULL,
    origin          TEXT,
    origin_id       BIGINT,
    UNIQUE (origin, origin_id)
);
CREATE INDEX shipments_by_order ON shipments (order_id, id);
-- At most one attempt per order may be on its way to WeChat, across every station.
CREATE UNIQUE INDEX shipments_one_in_flight ON shipments (order_id) WHERE state = 'sending';

CREATE TABLE waybill_cancels (
    id              BIGSERIAL PRIMARY KEY,
    order_id        TEXT NOT NULL,
    delivery_id     TEXT NOT NULL,
    waybill_id      TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('cancelled', 'seen_cancelled')),
    at_ms           BIGINT NOT NULL,
    station         TEXT NOT NULL,
    operator        TEXT NOT NULL,
    origin          TEXT,
    origin_id       BIGINT,
    UNIQUE (origin, origin_id)
);
CREATE UNIQUE INDEX waybill_cancels_once ON waybill_cancels (delivery_id, waybill_id);
CREATE INDEX waybill_cancels_by_order ON waybill_cancels (order_id);

CREATE TABLE parcels (
    shipment_id     BIGINT PRIMARY KEY REFERENCES shipments(id),
    order_id        TEXT NOT NULL,
    items           TEXT NOT NULL,
    completes_order BOOLEAN NOT NULL
);
CREATE INDEX parcels_by_order ON parcels (order_id);

CREATE TABLE batch_skips (
    seq             BIGSERIAL,
    batch_id        BIGINT NOT NULL REFERENCES batches(id),
    order_id        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    PRIMARY KEY (batch_id, order_id)
);

CREATE TABLE order_cache (
    account         TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    status          BIGINT NOT NULL,
    created_unix    BIGINT NOT NULL,
    update_unix     BIGINT NOT NULL,
    body            TEXT NOT NULL,
    synced_at_ms    BIGINT NOT NULL,
    PRIMARY KEY (account, order_id)
);
CREATE INDEX order_cache_by_created ON order_cache (account, created_unix);

CREATE TABLE order_sync (
    account         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    covered_from    BIGINT NOT NULL,
    full_at_ms      BIGINT NOT NULL,
    PRIMARY KEY (account, scope)
);

CREATE TABLE order_sync_mark (
    account         TEXT PRIMARY KEY,
    updated_to      BIGINT NOT NULL
);
