//! A commit's parts: the batch encoded once for every try, and the statements of one try
//! (the absence checks, each write with its version and history checks).

use deadpool_postgres::Transaction;
use prospect::EmailAddress;
use prospect::record::{Record, RecordId, RecordKind};
use prospect::store::{Batch, BatchParts, Conflict, HistoryMark, Precondition, Version, Write};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PostgresError, day_key, regarding_key, time_key};

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
}

/// A batch, encoded once for every try of its commit.
pub(crate) struct Prepared {
    pub(crate) writes: Vec<PreparedWrite>,
    absent_emails: Vec<String>,
    absent_domains: Vec<String>,
    /// The events, as JSON, in order.
    pub(crate) events: Vec<String>,
}

impl Prepared {
    pub(crate) fn of(batch: Batch) -> Result<Prepared, PostgresError> {
        let BatchParts {
            writes,
            absent_emails,
            absent_domains,
            events,
        } = batch.into_parts();
        let writes = writes
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
        Ok(Prepared {
            writes,
            absent_emails: absent_emails.iter().map(EmailAddress::normalized).collect(),
            absent_domains: absent_domains
                .iter()
                .map(|d| d.as_str().to_string())
                .collect(),
            events,
        })
    }
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
            if transaction.execute(&statement, &params).await? == 0 {
                let actual = stored(transaction, tenant, write.id).await?.map(|(v, _)| v);
                return Ok(Some(Conflict::new(write.id, write.expect, actual)));
            }
        }
        Precondition::Version(v) => {
            match stored(transaction, tenant, write.id).await? {
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
            let statement = transaction
                .prepare_cached(
                    "UPDATE records SET state = $4, owner = $5, email = $6, body = $7,
                            history_len = $8, history_tip = $9, erased = $10, regarding = $11,
                            contact = $12, created_s = $13, created_ns = $14,
                            expected_close = $15, organization = $16, version = version + 1
                      WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $17",
                )
                .await?;
            let mut with_version: Vec<&(dyn ToSql + Sync)> = params.to_vec();
            with_version.push(&expected);
            if transaction.execute(&statement, &with_version).await? != 1 {
                // Under SERIALIZABLE a concurrent update is a serialization failure before
                // this: the row changed between the read and the write all the same.
                let actual = stored(transaction, tenant, write.id).await?.map(|(v, _)| v);
                return Ok(Some(Conflict::new(write.id, write.expect, actual)));
            }
        }
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

/// The stored version and history mark of `id`, or `None` when there is no such record.
async fn stored(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    id: RecordId,
) -> Result<Option<(Version, HistoryMark)>, PostgresError> {
    let statement = transaction
        .prepare_cached(
            "SELECT version, history_len, history_tip, erased FROM records
              WHERE tenant = $1 AND kind = $2 AND id = $3",
        )
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
