//! The schema, created and migrated in code (its version kept in `prospect_schema`), and the
//! setting its row-level security reads.

/// The schema version this adapter creates and reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The migrations, in order: the schema at version N is made by the first N of them. Every
/// primary key and index leads with the tenant.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: records, the domains of organizations, the outbox and its per-tenant counters.
    "CREATE TABLE records (
        tenant         UUID    NOT NULL,
        kind           TEXT    NOT NULL,
        id             UUID    NOT NULL,
        state          TEXT    NOT NULL,
        owner          TEXT,
        email          TEXT,
        version        BIGINT  NOT NULL CHECK (version >= 1),
        body           TEXT    NOT NULL,
        history_len    BIGINT  NOT NULL,
        history_tip    BIGINT  NOT NULL,
        erased         BOOLEAN NOT NULL,
        regarding      TEXT,
        contact        UUID,
        created_s      BIGINT  NOT NULL,
        created_ns     BIGINT  NOT NULL,
        expected_close INTEGER,
        organization   UUID,
        PRIMARY KEY (tenant, kind, id)
    );
    CREATE INDEX records_by_state ON records (tenant, kind, state, id);
    CREATE INDEX records_by_owner ON records (tenant, kind, owner, id);
    CREATE INDEX records_by_email ON records (tenant, email) WHERE email IS NOT NULL;
    CREATE INDEX records_by_regarding ON records (tenant, regarding, id) WHERE regarding IS NOT NULL;
    CREATE INDEX records_by_contact ON records (tenant, kind, contact, id) WHERE contact IS NOT NULL;
    CREATE INDEX records_by_created ON records (tenant, kind, created_s, created_ns);
    CREATE INDEX records_by_close ON records (tenant, expected_close) WHERE expected_close IS NOT NULL;
    CREATE INDEX records_by_organization ON records (tenant, kind, organization, id)
        WHERE organization IS NOT NULL;
    CREATE TABLE domains (
        tenant UUID NOT NULL,
        domain TEXT NOT NULL,
        id     UUID NOT NULL,
        PRIMARY KEY (tenant, domain, id)
    );
    CREATE INDEX domains_by_id ON domains (tenant, id);
    CREATE TABLE events (
        tenant   UUID   NOT NULL,
        position BIGINT NOT NULL,
        body     TEXT   NOT NULL,
        PRIMARY KEY (tenant, position)
    );
    CREATE TABLE outbox_heads (
        tenant UUID   PRIMARY KEY,
        last   BIGINT NOT NULL
    );",
    // 2: the claim buckets that serialize the commits about one email or domain (see
    // `commit::claim`): a count, no address.
    "CREATE TABLE claims (
        tenant  UUID    NOT NULL,
        bucket  INTEGER NOT NULL,
        claimed BIGINT  NOT NULL,
        PRIMARY KEY (tenant, bucket)
    );",
    // 3: row-level security on every table of tenants' rows, as defence in depth: a role that
    // is neither a superuser nor BYPASSRLS sees and writes only the rows of the tenant its
    // connection names (`SET_TENANT`), even through a statement that forgot to say which.
    // Forced, so that the tables' owner is held to it too.
    "ALTER TABLE records ENABLE ROW LEVEL SECURITY;
    ALTER TABLE records FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON records
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);
    ALTER TABLE domains ENABLE ROW LEVEL SECURITY;
    ALTER TABLE domains FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON domains
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);
    ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
    ALTER TABLE claims FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON claims
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);
    ALTER TABLE events ENABLE ROW LEVEL SECURITY;
    ALTER TABLE events FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON events
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);
    ALTER TABLE outbox_heads ENABLE ROW LEVEL SECURITY;
    ALTER TABLE outbox_heads FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON outbox_heads
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);",
    // 4: the idempotency keys remembered with their commits (`Batch::remember`), one per
    // tenant, actor and key (the primary key makes a second commit with the same key find the
    // first's row, waiting for it while it is uncommitted), with when, the request's
    // fingerprint and the records written (JSON); pruned by time through the index; under the
    // same row-level security as the other tables.
    "CREATE TABLE idempotency_keys (
        tenant      UUID   NOT NULL,
        actor       TEXT   NOT NULL,
        key         TEXT   NOT NULL,
        fingerprint BYTEA  NOT NULL,
        at_s        BIGINT NOT NULL,
        at_ns       BIGINT NOT NULL,
        written     TEXT   NOT NULL,
        PRIMARY KEY (tenant, actor, key)
    );
    CREATE INDEX idempotency_keys_by_time ON idempotency_keys (tenant, at_s, at_ns);
    ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON idempotency_keys
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);",
    // 5: the field index: a row per term of each record's custom values (see `terms`), to list
    // records by field without scanning the others; filled from the stored bodies once made
    // (`terms::backfill`), before the next migration puts it under row-level security.
    "CREATE TABLE field_terms (
        tenant UUID    NOT NULL,
        kind   TEXT    NOT NULL,
        field  TEXT    NOT NULL,
        term   TEXT    NOT NULL,
        day    INTEGER NOT NULL,
        id     UUID    NOT NULL,
        PRIMARY KEY (tenant, kind, field, term, day, id)
    );
    CREATE INDEX field_terms_by_record ON field_terms (tenant, kind, id);",
    // 6: row-level security on the field index, as on the other tables.
    "ALTER TABLE field_terms ENABLE ROW LEVEL SECURITY;
    ALTER TABLE field_terms FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON field_terms
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);",
    // 7: the duplicate keys of contacts and organizations (see `duplicates`), to list the
    // records sharing a key without a scan; filled from the stored bodies once made
    // (`duplicates::backfill`), before the next migration puts it under row-level security.
    "CREATE TABLE duplicate_keys (
        tenant UUID NOT NULL,
        kind   TEXT NOT NULL,
        key    TEXT NOT NULL,
        id     UUID NOT NULL,
        PRIMARY KEY (tenant, kind, key, id)
    );
    CREATE INDEX duplicate_keys_by_record ON duplicate_keys (tenant, kind, id);",
    // 8: row-level security on the duplicate keys, as on the other tables.
    "ALTER TABLE duplicate_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE duplicate_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY one_tenant ON duplicate_keys
        USING (tenant = NULLIF(current_setting('prospect.tenant', TRUE), '')::uuid);",
];

/// The migration that makes the field index, which `terms::backfill` fills once it ran.
pub(crate) const FIELD_TERMS: usize = 5;

/// The migration that makes the index of duplicate keys, which `duplicates::backfill` fills
/// once it ran.
pub(crate) const DUPLICATE_KEYS: usize = 7;

/// Names the tenant whose rows row-level security lets the connection see and write, for the
/// rest of the session: every use of a connection sends it first, pipelined with its first
/// statement (no round trip of its own) by a `biased` `try_join!`, which polls its branches in
/// order.
pub(crate) const SET_TENANT: &str = "SELECT set_config('prospect.tenant', $1, FALSE)";

/// Reads, inside a migration's transaction, every tenant's stored records that `select`
/// (`SELECT tenant, body FROM records WHERE ...`) names, a thousand at a time through a portal
/// (a large store is not read into memory whole), and gives each that decodes to `write`
/// (a body that does not read is left for `read` to report). Row-level security is lifted
/// from the records for the time of it, so that the owner of the tables reads every tenant's:
/// how a migration fills a new index from the records already stored.
pub(crate) async fn backfill(
    transaction: &deadpool_postgres::Transaction<'_>,
    select: &str,
    mut write: impl AsyncFnMut(
        &uuid::Uuid,
        &prospect::record::Record,
    ) -> Result<(), crate::PostgresError>,
) -> Result<(), crate::PostgresError> {
    transaction
        .batch_execute("ALTER TABLE records NO FORCE ROW LEVEL SECURITY")
        .await?;
    let select = transaction.prepare(select).await?;
    let portal = transaction.bind(&select, &[]).await?;
    loop {
        let rows = transaction.query_portal(&portal, 1_000).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let (tenant, body): (uuid::Uuid, String) = (row.get(0), row.get(1));
            if let Ok(record) = serde_json::from_str::<prospect::record::Record>(&body) {
                write(&tenant, &record).await?;
            }
        }
    }
    // Closed before the table is altered again (an open portal is a query using it).
    drop(portal);
    transaction
        .batch_execute("ALTER TABLE records FORCE ROW LEVEL SECURITY")
        .await?;
    Ok(())
}
