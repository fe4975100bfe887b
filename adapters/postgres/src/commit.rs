//! A commit's parts: the batch encoded once for every try, and the statements of one try
//! (the claims, the absence checks, each write with its version and history checks, the
//! events).

use deadpool_postgres::Transaction;
use prospect::EmailAddress;
use prospect::record::{Record, RecordId, RecordKind};
use prospect::store::{Batch, BatchParts, Conflict, HistoryMark, Precondition, Version, Write};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::PostgresError;
use crate::row::{day_key, regarding_key, time_key};

/// A write, encoded once for every try of its commit.
pub(crate) struct PreparedWrite {
    /// The record, for the history-prefix check (a copy shares its data).
    record: Record,
    id: RecordId,
    expect: Precondition,
    body: String,
    state: &'static str,
    owner: Option<String>,
    email: Option<String>,
    regarding: Option<String>,
    contact: Option<Uuid>,
    created: (i64, i64),
    expected_close: Option<i32>,
    organization: Option<Uuid>,
    mark: HistoryMark,
    /// An organization's domains; `None` for another kind of record.
    domains: Option<Vec<String>>,
    /// The terms of its custom values, for the field index.
    terms: crate::terms::Terms,
    /// Its duplicate keys; `None` for a kind that has none.
    keys: Option<Vec<String>>,
}

/// A batch, encoded once for every try of its commit.
pub(crate) struct Prepared {
    pub(crate) writes: Vec<PreparedWrite>,
    absent_emails: Vec<String>,
    absent_domains: Vec<String>,
    /// The claim buckets of every email and domain the batch requires absent or writes,
    /// ascending, without repeats (see [`claim`]).
    claims: Vec<i32>,
    /// The records that must still be at these versions (not written).
    unchanged: Vec<(RecordId, Version)>,
    /// How many records must name each contact once the batch's writes are applied: the
    /// number required before them, plus the records naming it the batch creates.
    records_of: Vec<(Uuid, i64)>,
    /// The same for organizations ([`Batch::require_records_of_organization`]).
    ///
    /// [`Batch::require_records_of_organization`]: prospect::store::Batch::require_records_of_organization
    records_of_organization: Vec<(Uuid, i64)>,
    /// The events, as JSON, in order.
    events: Vec<String>,
    /// The request to remember, encoded ([`Batch::remember`]).
    remember: Option<PreparedKey>,
}

/// A request to remember with a commit, as its row is written.
struct PreparedKey {
    actor: String,
    key: String,
    fingerprint: Vec<u8>,
    at: (i64, i64),
    /// The records written, as JSON.
    written: String,
    /// The batch's first write, which a conflict on the key names.
    first: RecordId,
}

/// How many claim buckets a tenant has: the emails and domains of a tenant are spread over
/// them, so that two commits about different addresses seldom claim the same bucket.
pub(crate) const CLAIM_BUCKETS: u64 = 1024;

/// The claim bucket of an email (`what` = "email") or a domain: FNV-1a over the key, a
/// hash fixed here (not the standard library's, which may change between Rust releases) so
/// that every process agrees on it. The bucket, a number below [`CLAIM_BUCKETS`], says
/// nothing of the address it came from.
pub(crate) fn claim_bucket(what: &str, key: &str) -> i32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in what.bytes().chain([b':']).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Below 1024: fits an i32.
    (hash % CLAIM_BUCKETS) as i32
}

impl Prepared {
    pub(crate) fn of(batch: Batch) -> Result<Prepared, PostgresError> {
        let BatchParts {
            writes,
            absent_emails,
            absent_domains,
            unchanged,
            records_of,
            records_of_organization,
            events,
            remember,
        } = batch.into_parts();
        let remember = remember
            .map(|r| {
                let first = r.written[0].0;
                let written =
                    serde_json::to_string(&r.written).map_err(|source| PostgresError::Encode {
                        record: first,
                        source,
                    })?;
                Ok::<_, PostgresError>(PreparedKey {
                    actor: r.request.actor.as_str().to_string(),
                    key: r.request.key.as_str().to_string(),
                    fingerprint: r.request.fingerprint.as_bytes().to_vec(),
                    at: time_key(r.request.at),
                    written,
                    first,
                })
            })
            .transpose()?;
        let writes: Vec<PreparedWrite> = writes
            .map(|write: Write| {
                let (record, expect) = write.into_parts();
                let id = record.id();
                let body = serde_json::to_string(&record)
                    .map_err(|source| PostgresError::Encode { record: id, source })?;
                Ok(PreparedWrite {
                    record: record.clone(),
                    id,
                    expect,
                    body,
                    state: record.state().key(),
                    owner: record.owner().map(|o| o.as_str().to_string()),
                    email: record.email().map(EmailAddress::normalized),
                    regarding: record.regarding().map(regarding_key),
                    contact: record.contact().map(|c| c.as_uuid()),
                    created: time_key(record.created_at()),
                    expected_close: record.expected_close().map(day_key),
                    organization: record.organization().map(|o| o.as_uuid()),
                    mark: record.history_mark(),
                    domains: (record.kind() == RecordKind::Organization).then(|| {
                        record
                            .domains()
                            .iter()
                            .map(|d| d.as_str().to_string())
                            .collect()
                    }),
                    terms: crate::terms::Terms::of(&record),
                    keys: crate::duplicates::keys_of(&record),
                })
            })
            .collect::<Result<_, PostgresError>>()?;
        let events = events
            .iter()
            .map(|event| {
                serde_json::to_string(event).map_err(|source| PostgresError::Encode {
                    record: event.record(),
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        let absent_emails: Vec<String> =
            absent_emails.iter().map(EmailAddress::normalized).collect();
        let absent_domains: Vec<String> = absent_domains
            .iter()
            .map(|d| d.as_str().to_string())
            .collect();
        let written_emails = writes.iter().filter_map(|w| w.email.as_ref());
        let written_domains = writes.iter().filter_map(|w| w.domains.as_ref()).flatten();
        let mut claims: Vec<i32> = absent_emails
            .iter()
            .chain(written_emails)
            .map(|email| claim_bucket("email", email))
            .chain(
                absent_domains
                    .iter()
                    .chain(written_domains)
                    .map(|domain| claim_bucket("domain", domain)),
            )
            .collect();
        claims.sort_unstable();
        claims.dedup();
        // Each count as it will be once the batch's writes are applied: plus the records the
        // batch creates naming it.
        let after_creates = |id: Uuid, count: u64, names: &dyn Fn(&PreparedWrite) -> bool| {
            let created = writes
                .iter()
                .filter(|w| w.expect == Precondition::Absent && names(w))
                .count() as u64;
            (
                id,
                i64::try_from(count.saturating_add(created)).unwrap_or(i64::MAX),
            )
        };
        let records_of = records_of
            .into_iter()
            .map(|(contact, count)| {
                let contact = contact.as_uuid();
                after_creates(contact, count, &|w| w.contact == Some(contact))
            })
            .collect();
        let records_of_organization = records_of_organization
            .into_iter()
            .map(|(organization, count)| {
                let organization = organization.as_uuid();
                after_creates(organization, count, &|w| {
                    w.organization == Some(organization)
                })
            })
            .collect();
        Ok(Prepared {
            writes,
            absent_emails,
            absent_domains,
            claims,
            unchanged,
            records_of,
            records_of_organization,
            events,
            remember,
        })
    }
}

/// Remembers the batch's request: the conflict naming its first write when the tenant's
/// actor already used the key. A commit with the same key running at the same time waits here
/// for this one to end (the primary key's row), then finds its row.
pub(crate) async fn remember_key(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<Option<Conflict>, PostgresError> {
    let Some(key) = &prepared.remember else {
        return Ok(None);
    };
    let statement = transaction
        .prepare_cached(
            "INSERT INTO idempotency_keys (tenant, actor, key, fingerprint, at_s, at_ns, written)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, actor, key) DO NOTHING",
        )
        .await?;
    let inserted = transaction
        .execute(
            &statement,
            &[
                tenant,
                &key.actor,
                &key.key,
                &key.fingerprint,
                &key.at.0,
                &key.at.1,
                &key.written,
            ],
        )
        .await?;
    Ok((inserted == 0).then(|| Conflict::key_used(key.first)))
}

/// Claims the batch's buckets, in ascending order (so that two commits never wait for each
/// other's claims in a cycle): the rows stay locked until the commit ends.
///
/// This is what makes the absence checks hold at commit under READ COMMITTED: a commit that
/// requires an address absent, and every commit that writes one, first updates the address's
/// bucket row, so a second such commit waits there until the first has ended and then checks
/// what it committed. Under SERIALIZABLE or snapshot isolation the second one's update of the
/// same row is a serialization failure instead, and it is run again. The rows hold a count of
/// claims and no address: erasure leaves nothing in them.
pub(crate) async fn claim(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<(), PostgresError> {
    if prepared.claims.is_empty() {
        return Ok(());
    }
    let statement = transaction
        .prepare_cached(
            "INSERT INTO claims (tenant, bucket, claimed)
             SELECT $1, bucket, 1 FROM unnest($2::integer[]) AS bucket ORDER BY bucket
             ON CONFLICT (tenant, bucket) DO UPDATE SET claimed = claims.claimed + 1",
        )
        .await?;
    transaction
        .execute(&statement, &[tenant, &prepared.claims])
        .await?;
    Ok(())
}

/// Appends the batch's events to the tenant's outbox, in one statement: the tenant's counter
/// row is moved on by their number and gives their positions. The row stays locked until the
/// commit ends, so positions are given in commit order (see the crate docs); this is the last
/// statement of a commit, so that it is locked for the shortest time.
pub(crate) async fn append_events(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<(), PostgresError> {
    if prepared.events.is_empty() {
        return Ok(());
    }
    let statement = transaction
        .prepare_cached(
            "WITH head AS (
                 INSERT INTO outbox_heads (tenant, last) VALUES ($1, cardinality($2::text[]))
                 ON CONFLICT (tenant) DO UPDATE SET last = outbox_heads.last + EXCLUDED.last
                 RETURNING last
             )
             INSERT INTO events (tenant, position, body)
             SELECT $1, head.last - cardinality($2::text[]) + event.n, event.body
               FROM head, unnest($2::text[]) WITH ORDINALITY AS event (body, n)",
        )
        .await?;
    transaction
        .execute(&statement, &[tenant, &prepared.events])
        .await?;
    Ok(())
}

/// The conflict of the first required-absent email or domain that is present.
pub(crate) async fn absent_checks(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<Option<Conflict>, PostgresError> {
    for email in &prepared.absent_emails {
        let statement = transaction
            .prepare_cached(
                "SELECT id, version FROM records
                  WHERE tenant = $1 AND kind = 'contact' AND email = $2 ORDER BY id LIMIT 1",
            )
            .await?;
        if let Some(row) = transaction.query_opt(&statement, &[tenant, email]).await? {
            let (id, version): (Uuid, i64) = (row.get(0), row.get(1));
            let version = stored_version(&format!("contact {id}"), version)?;
            return Ok(Some(Conflict::email_taken(
                prospect::ContactId::from_uuid(id),
                version,
            )));
        }
    }
    for domain in &prepared.absent_domains {
        let statement = transaction
            .prepare_cached(
                "SELECT r.id, r.version FROM domains d
                   JOIN records r ON r.tenant = d.tenant AND r.kind = 'organization' AND r.id = d.id
                  WHERE d.tenant = $1 AND d.domain = $2 ORDER BY r.id LIMIT 1",
            )
            .await?;
        if let Some(row) = transaction.query_opt(&statement, &[tenant, domain]).await? {
            let (id, version): (Uuid, i64) = (row.get(0), row.get(1));
            let version = stored_version(&format!("organization {id}"), version)?;
            return Ok(Some(Conflict::domain_taken(
                prospect::OrganizationId::from_uuid(id),
                version,
            )));
        }
    }
    Ok(None)
}

/// The conflict of the first record required unchanged that is not at its version. Each is
/// read `FOR SHARE`: a writer of it (an erasure) waits for this commit to end, or this one
/// for the writer's, and then finds the new version.
pub(crate) async fn unchanged_checks(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<Option<Conflict>, PostgresError> {
    for (id, version) in &prepared.unchanged {
        let actual = stored(transaction, tenant, *id, Lock::ForShare)
            .await?
            .map(|(v, _)| v);
        if actual != Some(*version) {
            return Ok(Some(Conflict::new(
                *id,
                Precondition::Version(*version),
                actual,
            )));
        }
    }
    Ok(None)
}

/// How the batch's updates change the counts it requires, per contact and per organization.
#[derive(Default)]
pub(crate) struct Moved {
    contacts: Vec<(Uuid, i64)>,
    organizations: Vec<(Uuid, i64)>,
}

/// How the batch's updates change the number of records naming each contact and each
/// organization the batch counts ([`Batch::require_records_of`],
/// [`Batch::require_records_of_organization`]): a record a merge moves names another contact
/// (or organization) after its write than before. Read before the writes, by id: each update
/// requires its record's version, so what it read is what the write replaces. Empty (and no
/// statement) when the batch counts nothing.
///
/// [`Batch::require_records_of`]: prospect::store::Batch::require_records_of
/// [`Batch::require_records_of_organization`]: prospect::store::Batch::require_records_of_organization
pub(crate) async fn moved_by_updates(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<Moved, PostgresError> {
    let updated: Vec<&PreparedWrite> = prepared
        .writes
        .iter()
        .filter(|w| w.expect != Precondition::Absent)
        .filter(|w| w.contact.is_some() || w.organization.is_some())
        .collect();
    let counts = prepared.records_of.is_empty() && prepared.records_of_organization.is_empty();
    if counts || updated.is_empty() {
        return Ok(Moved::default());
    }
    let ids: Vec<Uuid> = updated.iter().map(|w| w.id.as_uuid()).collect();
    let statement = transaction
        .prepare_cached(
            "SELECT id, contact, organization FROM records
              WHERE tenant = $1 AND id = ANY($2)",
        )
        .await?;
    type Before = (Option<Uuid>, Option<Uuid>);
    let before: std::collections::HashMap<Uuid, Before> = transaction
        .query(&statement, &[tenant, &ids])
        .await?
        .iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2))))
        .collect();
    let change =
        |id: Uuid, now: fn(&PreparedWrite) -> Option<Uuid>, was: fn(&Before) -> Option<Uuid>| {
            updated
                .iter()
                .map(|w| {
                    let was = before.get(&w.id.as_uuid()).and_then(was);
                    i64::from(now(w) == Some(id)) - i64::from(was == Some(id))
                })
                .sum::<i64>()
        };
    Ok(Moved {
        contacts: prepared
            .records_of
            .iter()
            .map(|(contact, _)| (*contact, change(*contact, |w| w.contact, |b| b.0)))
            .collect(),
        organizations: prepared
            .records_of_organization
            .iter()
            .map(|(o, _)| (*o, change(*o, |w| w.organization, |b| b.1)))
            .collect(),
    })
}

/// The conflict of the first contact (then organization) not named by as many records as
/// required, counted once the batch's writes are applied: after its row locks, so that a
/// record created about it by a commit this one waited for is counted (see
/// [`unchanged_checks`]). `moved` is what the batch's updates changed of each count
/// ([`moved_by_updates`]).
pub(crate) async fn records_of_checks(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
    moved: &Moved,
) -> Result<Option<Conflict>, PostgresError> {
    let required = |counts: &[(Uuid, i64)], id: &Uuid, count: i64| {
        let change = counts.iter().find(|(c, _)| c == id).map_or(0, |(_, n)| *n);
        count.saturating_add(change)
    };
    for (contact, count) in &prepared.records_of {
        let statement = transaction
            .prepare_cached(
                "SELECT count(*) FROM records
                  WHERE tenant = $1
                    AND kind IN ('lead', 'opportunity', 'account', 'activity', 'task')
                    AND contact = $2",
            )
            .await?;
        let found: i64 = transaction
            .query_one(&statement, &[tenant, contact])
            .await?
            .get(0);
        if found != required(&moved.contacts, contact, *count) {
            return Ok(Some(Conflict::records_of_contact(
                prospect::ContactId::from_uuid(*contact),
            )));
        }
    }
    for (organization, count) in &prepared.records_of_organization {
        let statement = transaction
            .prepare_cached(
                "SELECT count(*) FROM records
                  WHERE tenant = $1 AND kind IN ('contact', 'account') AND organization = $2",
            )
            .await?;
        let found: i64 = transaction
            .query_one(&statement, &[tenant, organization])
            .await?
            .get(0);
        if found != required(&moved.organizations, organization, *count) {
            return Ok(Some(Conflict::records_of_organization(
                prospect::OrganizationId::from_uuid(*organization),
            )));
        }
    }
    Ok(None)
}

/// Applies one write, or says which conflict stops the batch.
pub(crate) async fn apply(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    write: &PreparedWrite,
) -> Result<Option<Conflict>, PostgresError> {
    let (kind, id) = (write.id.kind().as_str(), write.id.as_uuid());
    let len = i64::try_from(write.mark.len()).unwrap_or(i64::MAX);
    // The tip is a u64 kept in PostgreSQL's i64: the same 64 bits.
    let tip = write.mark.tip() as i64;
    let erased = write.mark.is_erased();
    let params: [&(dyn ToSql + Sync); 16] = [
        tenant,
        &kind,
        &id,
        &write.state,
        &write.owner,
        &write.email,
        &write.body,
        &len,
        &tip,
        &erased,
        &write.regarding,
        &write.contact,
        &write.created.0,
        &write.created.1,
        &write.expected_close,
        &write.organization,
    ];
    match write.expect {
        Precondition::Absent => {
            let statement = transaction
                .prepare_cached(
                    "INSERT INTO records
                         (tenant, kind, id, state, owner, email, body, history_len, history_tip,
                          erased, regarding, contact, created_s, created_ns, expected_close,
                          organization, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                             $16, 1)
                     ON CONFLICT (tenant, kind, id) DO NOTHING",
                )
                .await?;
            // A concurrent insert of the same record makes this wait, then do nothing.
            if transaction.execute(&statement, &params).await? == 0 {
                let actual = stored(transaction, tenant, write.id, Lock::None)
                    .await?
                    .map(|(v, _)| v);
                return Ok(Some(Conflict::new(write.id, write.expect, actual)));
            }
        }
        Precondition::Version(v) => {
            // Locked until the commit ends: under READ COMMITTED a concurrent writer of the
            // record waits here, and then reads what the first one committed.
            match stored(transaction, tenant, write.id, Lock::ForUpdate).await? {
                None => return Ok(Some(Conflict::new(write.id, write.expect, None))),
                Some((actual, _)) if actual != v => {
                    return Ok(Some(Conflict::new(write.id, write.expect, Some(actual))));
                }
                Some((_, mark)) if !write.record.extends(&mark) => {
                    return Ok(Some(Conflict::stale_history(write.id, v)));
                }
                Some(_) => {}
            }
            let expected = i64::try_from(v.get()).unwrap_or(i64::MAX);
            // The rows of its field terms before (`terms`) go in the same statement: one round
            // trip; the new ones are written below.
            let statement = transaction
                .prepare_cached(
                    "WITH gone AS (DELETE FROM field_terms WHERE tenant = $1 AND kind = $2 AND id = $3)
                     UPDATE records SET state = $4, owner = $5, email = $6, body = $7,
                            history_len = $8, history_tip = $9, erased = $10, regarding = $11,
                            contact = $12, created_s = $13, created_ns = $14,
                            expected_close = $15, organization = $16, version = version + 1
                      WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $17",
                )
                .await?;
            let mut with_version: Vec<&(dyn ToSql + Sync)> = params.to_vec();
            with_version.push(&expected);
            if transaction.execute(&statement, &with_version).await? != 1 {
                // The row is locked since it was read: not expected, answered all the same.
                let actual = stored(transaction, tenant, write.id, Lock::None)
                    .await?
                    .map(|(v, _)| v);
                return Ok(Some(Conflict::new(write.id, write.expect, actual)));
            }
        }
    }
    crate::terms::insert(transaction, tenant, kind, &id, &write.terms).await?;
    if let Some(keys) = &write.keys {
        crate::duplicates::write(transaction, tenant, kind, &id, keys).await?;
    }
    if let Some(domains) = &write.domains {
        // The organization's domains, as its body says, replace those it had.
        let delete = transaction
            .prepare_cached("DELETE FROM domains WHERE tenant = $1 AND id = $2")
            .await?;
        transaction.execute(&delete, &[tenant, &id]).await?;
        let insert = transaction
            .prepare_cached("INSERT INTO domains (tenant, domain, id) VALUES ($1, $2, $3)")
            .await?;
        for domain in domains {
            transaction.execute(&insert, &[tenant, domain, &id]).await?;
        }
    }
    Ok(None)
}

/// Whether [`stored`] locks the row it reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    None,
    ForShare,
    ForUpdate,
}

/// The stored version and history mark of `id`, or `None` when there is no such record.
async fn stored(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    id: RecordId,
    lock: Lock,
) -> Result<Option<(Version, HistoryMark)>, PostgresError> {
    let statement = transaction
        .prepare_cached(match lock {
            Lock::None => {
                "SELECT version, history_len, history_tip, erased FROM records
                  WHERE tenant = $1 AND kind = $2 AND id = $3"
            }
            Lock::ForShare => {
                "SELECT version, history_len, history_tip, erased FROM records
                  WHERE tenant = $1 AND kind = $2 AND id = $3 FOR SHARE"
            }
            Lock::ForUpdate => {
                "SELECT version, history_len, history_tip, erased FROM records
                  WHERE tenant = $1 AND kind = $2 AND id = $3 FOR UPDATE"
            }
        })
        .await?;
    let (kind, uuid) = (id.kind().as_str(), id.as_uuid());
    let Some(row) = transaction
        .query_opt(&statement, &[tenant, &kind, &uuid])
        .await?
    else {
        return Ok(None);
    };
    let what = format!("{kind} {uuid}");
    let version = stored_version(&what, row.get(0))?;
    let (len, tip, erased): (i64, i64, bool) = (row.get(1), row.get(2), row.get(3));
    let len = u64::try_from(len).map_err(|_| PostgresError::Corrupt {
        record: what,
        reason: format!("history length {len} is negative"),
    })?;
    Ok(Some((version, HistoryMark::new(len, tip as u64, erased))))
}

pub(crate) fn stored_version(what: &str, version: i64) -> Result<Version, PostgresError> {
    u64::try_from(version)
        .ok()
        .and_then(Version::new)
        .ok_or_else(|| PostgresError::Corrupt {
            record: what.to_string(),
            reason: format!("version {version} is not a version"),
        })
}
