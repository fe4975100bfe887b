//! The adapter against a real PostgreSQL server, named by `PROSPECT_POSTGRES_URL`
//! (`eval "$(scripts/postgres.sh start)"` starts one): the conformance kit, sync and async at
//! READ COMMITTED and sync at SERIALIZABLE, each case in a tenant of its own; two tenants
//! isolated; sixteen connections racing qualifications, and racing for one email address, at
//! both levels; a forced serialization failure retried; commits queueing on the outbox
//! counter at READ COMMITTED. The server restarted in the middle of a run is in `restart.rs`.
//! Without the variable these tests are not compiled: an ignored test stands for them (its
//! reason says how to start a server), and a test fails in CI, where they must run.

/// Without a server the tests that need one are not compiled: this ignored test stands for
/// them, so that the test run lists them as skipped, with the reason and how to run them.
#[cfg(not(postgres_server))]
#[test]
#[ignore = "PROSPECT_POSTGRES_URL is not set: the PostgreSQL conformance tests are not compiled; start a throwaway \
            server with `eval \"$(scripts/postgres.sh start)\"` and run them again"]
fn postgres_tests_need_a_server() {}

/// In CI the tests that need a server must run: without one, this fails.
#[cfg(not(postgres_server))]
#[test]
fn in_ci_the_conformance_tests_run() {
    assert!(
        std::env::var("CI").ok().is_none_or(|ci| ci != "true"),
        "PROSPECT_POSTGRES_URL is not set: in CI the PostgreSQL conformance tests must run (.ci/run starts a server)"
    );
}

#[cfg(postgres_server)]
mod server {
    use std::sync::OnceLock;

    use prospect::event::{EventPage, Position};
    use prospect::idempotency::{IdempotencyKey, Remembered};
    use prospect::record::{Record, RecordId};
    use prospect::store::Version;
    use prospect::store::{AsyncStore, Batch, CommitError, Cursor, Page, Query, Store, Versioned};
    use prospect::testkit::{Sample, check_consistency};
    use prospect::*;
    use prospect_postgres::{
        BlockingPostgresStore, Isolation, PostgresError, PostgresStore, Tenant,
    };

    fn url() -> String {
        std::env::var("PROSPECT_POSTGRES_URL").expect("cfg(postgres_server) means it is set")
    }

    /// The runtime the async stores of the tests run on.
    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime")
        })
    }

    /// The role an application would connect as: not a superuser, not BYPASSRLS, allowed to
    /// read and write the adapter's tables (not to create them). Row-level security holds it.
    const APP_ROLE: &str = "prospect_app";

    /// The server's URL for [`APP_ROLE`], made (once per test binary, by the URL's own user,
    /// a superuser on the test server) with the schema it needs.
    fn app_url() -> &'static str {
        static APP_URL: OnceLock<String> = OnceLock::new();
        APP_URL.get_or_init(|| {
            runtime().block_on(async {
                // The schema is there before the grants.
                PostgresStore::connect(&url(), Tenant::generate())
                    .await
                    .expect("the server is up");
                let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                // Other test binaries may do the same at the same moment: a failure is tried
                // again.
                let setup = format!(
                    "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
                        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
                     GRANT SELECT, INSERT, UPDATE, DELETE
                        ON records, domains, claims, events, outbox_heads, idempotency_keys, field_terms,
                           duplicate_keys
                        TO {APP_ROLE};
                     GRANT SELECT ON prospect_schema TO {APP_ROLE};"
                );
                let mut tries = 0;
                while let Err(e) = client.batch_execute(&setup).await {
                    tries += 1;
                    assert!(tries < 20, "the role {APP_ROLE} cannot be made: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            });
            let config: tokio_postgres::Config = url().parse().unwrap();
            let host = match &config.get_hosts()[0] {
                tokio_postgres::config::Host::Tcp(host) => host.clone(),
                other => panic!("a TCP host, not {other:?}"),
            };
            format!(
                "postgres://{APP_ROLE}@{host}:{}/{}",
                config.get_ports()[0],
                config.get_dbname().unwrap_or("postgres")
            )
        })
    }

    /// The main kit's store: connected as [`APP_ROLE`], so that every statement of the adapter
    /// runs under row-level security (one that forgot to name its tenant would find nothing).
    fn blocking() -> BlockingPostgresStore {
        BlockingPostgresStore::connect(app_url(), Tenant::generate()).expect("the server is up")
    }

    fn reopen(store: BlockingPostgresStore) -> BlockingPostgresStore {
        let tenant = store.store().tenant();
        drop(store);
        BlockingPostgresStore::connect(app_url(), tenant).expect("the server is up")
    }

    /// The kit's `corrupt` hook for `tenant`: the record's body (or the event's) replaced, as
    /// the server's superuser, by JSON no release reads; its row and index columns left as
    /// they were.
    fn corrupt_tenant(tenant: Tenant, plant: prospect::testkit::Plant) {
        use prospect::testkit::Plant;
        runtime().block_on(async {
            let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
                .await
                .expect("the server is up");
            tokio::spawn(connection);
            let broken = r#"{"type": "broken"}"#;
            let tenant = tenant.as_uuid();
            let changed = match plant {
                Plant::Record(id) => client
                    .execute(
                        "UPDATE records SET body = $1 WHERE tenant = $2 AND kind = $3 AND id = $4",
                        &[&broken, &tenant, &id.kind().as_str(), &id.as_uuid()],
                    )
                    .await,
                Plant::Event(position) => {
                    let position = i64::try_from(position.get()).expect("a BIGINT");
                    client
                        .execute(
                            "UPDATE events SET body = $1 WHERE tenant = $2 AND position = $3",
                            &[&broken, &tenant, &position],
                        )
                        .await
                }
                other => panic!("a plant this test does not know: {other:?}"),
            };
            assert_eq!(
                changed.expect("the row is updated"),
                1,
                "{plant:?}: one row"
            );
        });
    }

    fn corrupt(store: &BlockingPostgresStore, plant: prospect::testkit::Plant) {
        corrupt_tenant(store.store().tenant(), plant);
    }

    prospect::store_conformance!(
        conformance_blocking,
        blocking(),
        reopen = reopen,
        corrupt = corrupt,
        stress = 300
    );

    fn serializable() -> BlockingPostgresStore {
        blocking().with_isolation(Isolation::Serializable)
    }

    fn reopen_serializable(store: BlockingPostgresStore) -> BlockingPostgresStore {
        reopen(store).with_isolation(Isolation::Serializable)
    }

    prospect::store_conformance!(
        conformance_serializable,
        serializable(),
        reopen = reopen_serializable,
        corrupt = corrupt,
        stress = 300
    );

    /// A [`PostgresStore`] whose calls run on the tests' tokio runtime, so that the kit's own
    /// small executor can await them: the kit's async cases run the adapter's `AsyncStore`.
    struct OnRuntime(PostgresStore);

    impl OnRuntime {
        fn new() -> OnRuntime {
            let store = runtime()
                .block_on(PostgresStore::connect(&url(), Tenant::generate()))
                .expect("the server is up");
            OnRuntime(store)
        }

        async fn run<T, Fut>(&self, call: impl FnOnce(PostgresStore) -> Fut) -> T
        where
            T: Send + 'static,
            Fut: std::future::Future<Output = T> + Send + 'static,
        {
            runtime()
                .spawn(call(self.0.clone()))
                .await
                .expect("the call does not panic")
        }
    }

    impl AsyncStore for OnRuntime {
        type Error = PostgresError;

        async fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, PostgresError> {
            self.run(move |s| async move { s.load(id).await }).await
        }

        async fn commit(&self, batch: Batch) -> Result<(), CommitError<PostgresError>> {
            self.run(move |s| async move { s.commit(batch).await })
                .await
        }

        async fn find_contacts_by_email(
            &self,
            email: &EmailAddress,
        ) -> Result<Vec<Versioned<Contact>>, PostgresError> {
            let email = email.clone();
            self.run(move |s| async move { s.find_contacts_by_email(&email).await })
                .await
        }

        async fn find_organizations_by_domain(
            &self,
            domain: &Domain,
        ) -> Result<Vec<Versioned<Organization>>, PostgresError> {
            let domain = domain.clone();
            self.run(move |s| async move { s.find_organizations_by_domain(&domain).await })
                .await
        }

        async fn list(
            &self,
            query: &Query,
            after: Option<Cursor>,
            limit: usize,
        ) -> Result<Page, PostgresError> {
            let query = query.clone();
            self.run(move |s| async move { s.list(&query, after, limit).await })
                .await
        }

        async fn read_events(
            &self,
            after: Option<Position>,
            limit: usize,
        ) -> Result<EventPage, PostgresError> {
            self.run(move |s| async move { s.read_events(after, limit).await })
                .await
        }

        async fn prune_events(&self, before: Position) -> Result<u64, PostgresError> {
            self.run(move |s| async move { s.prune_events(before).await })
                .await
        }

        async fn recall_key(
            &self,
            actor: &User,
            key: &IdempotencyKey,
        ) -> Result<Option<Remembered>, PostgresError> {
            let (actor, key) = (actor.clone(), key.clone());
            self.run(move |s| async move { s.recall_key(&actor, &key).await })
                .await
        }

        async fn prune_keys(
            &self,
            before: chrono::DateTime<chrono::Utc>,
        ) -> Result<u64, PostgresError> {
            self.run(move |s| async move { s.prune_keys(before).await })
                .await
        }
    }

    /// Drops the async store's pool and connects again, to the same tenant.
    fn reopen_async(store: OnRuntime) -> OnRuntime {
        let tenant = store.0.tenant();
        drop(store);
        OnRuntime(
            runtime()
                .block_on(PostgresStore::connect(&url(), tenant))
                .expect("the server is up"),
        )
    }

    fn corrupt_async(store: &OnRuntime, plant: prospect::testkit::Plant) {
        corrupt_tenant(store.0.tenant(), plant);
    }

    prospect::async_store_conformance!(
        conformance_async,
        OnRuntime::new(),
        reopen = reopen_async,
        corrupt = corrupt_async,
        stress = 300
    );

    /// Two stores on one database, for two tenants: neither sees nor changes the other's
    /// records, email addresses, domains or events, even records with the same ids.
    #[test]
    fn tenant_stores_are_isolated() {
        let sample = Sample::new(90);
        let a = blocking();
        let b = BlockingPostgresStore::connect(&url(), Tenant::generate()).unwrap();
        let crm = sample.crm(&a);
        let me = sample.actor();
        let details = sample.contact_details();
        let email = details.email.clone().unwrap();
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        let acme = crm
            .create_organization(
                OrganizationDetails::new(OrganizationName::new("Acme").unwrap())
                    .with_domain(Domain::new("acme.example").unwrap()),
                OnDuplicate::Refuse,
                me,
            )
            .unwrap()
            .into_organization();
        let id = RecordId::Contact(contact.id());
        // B reads nothing of A's.
        assert_eq!(b.load(id).unwrap(), None);
        assert!(b.find_contacts_by_email(&email).unwrap().is_empty());
        assert!(
            b.find_organizations_by_domain(&acme.domains()[0])
                .unwrap()
                .is_empty()
        );
        for kind in prospect::record::RecordKind::ALL {
            let page = b.list(&Query::of_kind(kind), None, 100).unwrap();
            assert!(page.records.is_empty(), "{kind}: {:?}", page.records);
        }
        assert!(b.read_events(None, 100).unwrap().events.is_empty());
        // A's email does not conflict in B: B refuses nothing for it.
        let mut batch = Batch::new();
        let other = sample.contact();
        batch.require_no_contact_with(&email);
        batch.create(other).unwrap();
        b.commit(batch).unwrap();
        // B writes its own record with the same id and updates it; A's is unchanged. An
        // update by B of a record only A has finds nothing to update.
        let mut batch = Batch::new();
        batch.create(contact.value().clone()).unwrap();
        b.commit(batch).unwrap();
        let mut batch = Batch::new();
        batch
            .update(contact.value().clone(), Version::FIRST)
            .unwrap();
        b.commit(batch).unwrap();
        assert_eq!(b.load(id).unwrap().unwrap().version().get(), 2);
        assert_eq!(a.load(id).unwrap().unwrap().version(), Version::FIRST);
        let mut batch = Batch::new();
        batch.update(lead.into_inner(), Version::FIRST).unwrap();
        match b.commit(batch) {
            Err(CommitError::Conflict(c)) => assert_eq!(c.actual, None, "not B's record"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let ours = a.read_events(None, 100).unwrap().events.len();
        assert_eq!(ours, 3, "A's events: its contact, lead and organization");
        assert_eq!(b.prune_events(Position::new(1_000)).unwrap(), 0);
        assert_eq!(a.read_events(None, 100).unwrap().events.len(), ours);
    }

    /// Row-level security, as defence in depth under the statements' own tenant clauses: a
    /// connection of [`APP_ROLE`] sees no row until it names a tenant, then only that
    /// tenant's rows, and cannot write a row of another tenant, even by a statement without a
    /// tenant clause.
    #[test]
    fn row_level_security_keeps_a_role_to_its_tenant() {
        let sample = Sample::new(94);
        let (a, b) = (blocking(), blocking());
        for store in [&a, &b] {
            let crm = sample.crm(store);
            let contact = crm
                .create_contact(
                    sample.contact_details(),
                    OnDuplicate::Refuse,
                    sample.actor(),
                )
                .unwrap()
                .into_contact();
            crm.open_lead(&contact, sample.interest(), sample.actor())
                .unwrap();
        }
        let (tenant_a, tenant_b) = (a.store().tenant().as_uuid(), b.store().tenant().as_uuid());
        runtime().block_on(async {
            let (client, connection) = tokio_postgres::connect(app_url(), tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let count = |sql: &'static str| {
                let client = &client;
                async move {
                    let n: i64 = client.query_one(sql, &[]).await.unwrap().get(0);
                    n
                }
            };
            // No tenant named: nothing, in any table.
            for table in ["records", "domains", "claims", "events", "outbox_heads"] {
                let n: i64 = client
                    .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(n, 0, "{table}: rows seen with no tenant named");
            }
            client
                .execute(
                    "SELECT set_config('prospect.tenant', $1, FALSE)",
                    &[&tenant_a.to_string()],
                )
                .await
                .unwrap();
            // Tenant A named: its contact and lead only, though every tenant's rows are there.
            assert_eq!(count("SELECT count(*) FROM records").await, 2);
            assert_eq!(
                count("SELECT count(DISTINCT tenant) FROM events").await,
                1,
                "one tenant's events"
            );
            // A statement without a tenant clause changes A's rows only.
            let changed = client
                .execute("UPDATE records SET owner = owner", &[])
                .await
                .unwrap();
            assert_eq!(changed, 2);
            // Writing a row of tenant B is refused by the policy (SQLSTATE 42501).
            let refused = client
                .execute(
                    "INSERT INTO outbox_heads (tenant, last) VALUES ($1, 0)
                     ON CONFLICT (tenant) DO UPDATE SET last = 0",
                    &[&tenant_b],
                )
                .await
                .unwrap_err();
            assert_eq!(
                refused.code(),
                Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
                "{refused}"
            );
        });
        // B's store is untouched, and reads its own rows through the policy.
        assert_eq!(b.read_events(None, 100).unwrap().events.len(), 2);
        let leads = b
            .list(
                &Query::of_kind(prospect::record::RecordKind::Lead),
                None,
                100,
            )
            .unwrap();
        assert_eq!(leads.records.len(), 1);
    }

    /// Sixteen connections race to qualify the same leads through the async facade, at READ
    /// COMMITTED: each lead gets exactly one opportunity, and the losers see conflicts, never
    /// errors.
    #[test]
    fn sixteen_connections_racing_qualifications_make_one_opportunity_each() {
        racing_qualifications(Isolation::ReadCommitted);
    }

    /// The same race at SERIALIZABLE.
    #[test]
    fn sixteen_connections_racing_qualifications_under_serialization_make_one_opportunity_each() {
        racing_qualifications(Isolation::Serializable);
    }

    /// A store for `racers` connections at `isolation`, in a tenant of its own.
    fn racing_store(racers: usize, isolation: Isolation) -> PostgresStore {
        runtime()
            .block_on(PostgresStore::connect_with(
                &url(),
                Tenant::generate(),
                racers,
            ))
            .unwrap()
            .with_isolation(isolation)
    }

    fn racing_qualifications(isolation: Isolation) {
        const RACERS: usize = 16;
        const LEADS: usize = 12;
        let sample = Sample::new(91);
        let store = racing_store(RACERS, isolation);
        let me = sample.actor().clone();
        let leads: Vec<prospect::LeadId> = runtime().block_on(async {
            let crm = sample.async_crm(store.clone());
            let mut leads = Vec::new();
            for _ in 0..LEADS {
                let contact = crm
                    .create_contact(sample.contact_details(), OnDuplicate::Refuse, &me)
                    .await
                    .unwrap()
                    .into_contact();
                let lead = crm
                    .open_lead(&contact, sample.interest(), &me)
                    .await
                    .unwrap();
                leads.push(crm.log_touch(lead, sample.touch(), &me).await.unwrap().id());
            }
            leads
        });
        let qualified = runtime().block_on(async {
            let tasks: Vec<_> = (0..RACERS)
                .map(|_| {
                    let crm = sample.async_crm(store.clone());
                    let (leads, me, qualification) =
                        (leads.clone(), me.clone(), sample.qualification());
                    tokio::spawn(async move {
                        let mut won = 0;
                        for lead in leads {
                            let Ok(lead) = crm.load::<Lead<state::Working>>(lead, &me).await else {
                                continue; // converted by another racer already
                            };
                            let qualification = Qualification::builder()
                                .need(qualification.need().clone())
                                .budget(qualification.budget())
                                .timeline(qualification.timeline())
                                .build();
                            match crm.qualify(lead, qualification, &me).await {
                                Ok(_) => won += 1,
                                Err(e) if e.is_conflict() => {}
                                Err(e) => panic!("not a conflict: {e}"),
                            }
                        }
                        won
                    })
                })
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await.unwrap();
            }
            total
        });
        assert_eq!(qualified, LEADS, "one qualification per lead succeeded");
        let blocking = BlockingPostgresStore::connect(&url(), store.tenant()).unwrap();
        let opportunities = blocking
            .list(
                &Query::of_kind(prospect::record::RecordKind::Opportunity),
                None,
                100,
            )
            .unwrap();
        assert_eq!(opportunities.records.len(), LEADS);
        if let Err(problems) = check_consistency(&blocking) {
            panic!("{problems:?}");
        }
        eprintln!(
            "racing qualifications at {isolation:?}: {} tries run again",
            store.retried()
        );
    }

    /// Sixteen connections race to create a contact with one email address, refusing
    /// duplicates, at READ COMMITTED: one contact has it at the end, and every other racer is
    /// told of that one.
    #[test]
    fn sixteen_connections_racing_for_one_email_make_one_contact() {
        racing_for_one_email(Isolation::ReadCommitted);
    }

    /// The same race at SERIALIZABLE.
    #[test]
    fn sixteen_connections_racing_for_one_email_under_serialization_make_one_contact() {
        racing_for_one_email(Isolation::Serializable);
    }

    fn racing_for_one_email(isolation: Isolation) {
        const RACERS: usize = 16;
        let sample = Sample::new(93);
        let store = racing_store(RACERS, isolation);
        let me = sample.actor().clone();
        let address = sample.email("contested@example.com");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
        let outcomes: Vec<Result<ContactId, CrmError<PostgresError>>> = runtime().block_on(async {
            let tasks: Vec<_> = (0..RACERS)
                .map(|_| {
                    let crm = sample.async_crm(store.clone());
                    let details = ContactDetails {
                        email: Some(address.clone()),
                        ..sample.contact_details()
                    };
                    let (me, barrier) = (me.clone(), barrier.clone());
                    tokio::spawn(async move {
                        barrier.wait().await;
                        crm.create_contact(details, OnDuplicate::Refuse, &me)
                            .await
                            .map(|created| created.into_contact().id())
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(task.await.unwrap());
            }
            outcomes
        });
        let created: Vec<ContactId> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().copied())
            .collect();
        assert_eq!(
            created.len(),
            1,
            "one racer creates the contact: {outcomes:?}"
        );
        for outcome in &outcomes {
            match outcome {
                Ok(_) => {}
                Err(CrmError::DuplicateContact { existing, .. }) => {
                    assert_eq!(
                        *existing, created[0],
                        "the duplicate named is the one created"
                    );
                }
                Err(e) => panic!("not a duplicate: {e}"),
            }
        }
        let blocking = BlockingPostgresStore::connect(&url(), store.tenant()).unwrap();
        assert_eq!(blocking.find_contacts_by_email(&address).unwrap().len(), 1);
        eprintln!(
            "racing for one email at {isolation:?}: {} tries run again",
            store.retried()
        );
    }

    /// A serialization failure, forced: at SERIALIZABLE, another transaction holds the outbox
    /// counter of the tenant while the store commits, then commits first. The store's
    /// transaction fails with SQLSTATE 40001, is run again, and commits: reported as committed,
    /// written once.
    #[test]
    fn a_forced_serialization_failure_is_retried_and_commits() {
        let outcome = commit_behind_a_held_counter(Isolation::Serializable);
        assert!(
            outcome.retried > 0,
            "the commit met a serialization failure and was run again"
        );
    }

    /// At READ COMMITTED the same commit waits for the counter row and then commits, without
    /// being run again, its event after the other transaction's positions.
    #[test]
    fn read_committed_commits_queue_on_the_outbox_counter_without_a_retry() {
        let outcome = commit_behind_a_held_counter(Isolation::ReadCommitted);
        assert_eq!(
            outcome.retried, 0,
            "the commit waited: it was not run again"
        );
    }

    /// What [`commit_behind_a_held_counter`] saw.
    struct HeldCounter {
        /// How many tries of the commit were run again.
        retried: u64,
    }

    /// A store at `isolation` commits a contact while another transaction holds the tenant's
    /// outbox counter (moving it on by [`SKIPPED`] positions), which then commits first. The
    /// contact is committed once, its event after the skipped positions.
    fn commit_behind_a_held_counter(isolation: Isolation) -> HeldCounter {
        const SKIPPED: i64 = 5;
        let sample = Sample::new(92);
        let store = runtime()
            .block_on(PostgresStore::connect(&url(), Tenant::generate()))
            .unwrap()
            .with_isolation(isolation);
        let tenant = store.tenant().as_uuid();
        let crm = sample.async_crm(store.clone());
        let me = sample.actor().clone();
        // The tenant's counter row exists once an event is written.
        runtime()
            .block_on(crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, &me))
            .unwrap();
        let before = store.retried();
        let contact = runtime().block_on(async {
            let (mut other, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let holder = other
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::Serializable)
                .start()
                .await
                .unwrap();
            holder
                .execute(
                    "UPDATE outbox_heads SET last = last + $2 WHERE tenant = $1",
                    &[&tenant, &SKIPPED],
                )
                .await
                .unwrap();
            // The store's commit waits for the counter row, held by `holder`...
            let commit = tokio::spawn({
                let crm = sample.async_crm(store.clone());
                let (details, me) = (sample.contact_details(), me.clone());
                async move { crm.create_contact(details, OnDuplicate::Refuse, &me).await }
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            // ...which commits first: at SERIALIZABLE the waiting update cannot be serialized
            // after it; at READ COMMITTED it goes on from the row the holder committed.
            holder.commit().await.unwrap();
            commit.await.unwrap()
        });
        let contact = contact.expect("committed").into_contact();
        let blocking = BlockingPostgresStore::connect(&url(), store.tenant()).unwrap();
        let stored = blocking
            .load(RecordId::Contact(contact.id()))
            .unwrap()
            .unwrap();
        assert_eq!(stored.version(), Version::FIRST, "written once");
        let events = blocking.read_events(None, 100).unwrap().events;
        assert_eq!(
            events.len(),
            2,
            "one event per committed contact, none twice"
        );
        let (first, second) = (events[0].position.get(), events[1].position.get());
        assert_eq!(
            second,
            first + 1 + SKIPPED as u64,
            "the event comes after the positions the holder took"
        );
        HeldCounter {
            retried: store.retried() - before,
        }
    }

    /// A database made by a role that owns it and is no superuser (so row-level security holds
    /// it too), at schema 4, before the field index, holding custom values in two tenants: the
    /// migration fills the index with every tenant's values, and each tenant lists its own
    /// records by field.
    #[test]
    fn migrating_from_schema_4_indexes_every_tenants_custom_values_and_duplicate_keys() {
        use prospect::fields::{
            FieldDefinition, FieldKey, FieldType, FieldValue, FieldValues, PicklistOption,
            SchemaChange, SchemaVersion, WithFields,
        };
        use prospect::store::FieldMatch;
        const OWNER: &str = "prospect_owner";
        let database = format!("prospect_migration_{}", uuid::Uuid::now_v7().simple());
        let admin = |sql: String| {
            runtime().block_on(async {
                let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                // Other test binaries may make the role at the same moment: tried again.
                let mut tries = 0;
                while let Err(e) = client.batch_execute(&sql).await {
                    tries += 1;
                    assert!(tries < 20, "{sql}: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            })
        };
        admin(format!(
            "DO $$ BEGIN CREATE ROLE {OWNER} LOGIN NOSUPERUSER NOBYPASSRLS;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        ));
        admin(format!("CREATE DATABASE {database} OWNER {OWNER}"));
        let config: tokio_postgres::Config = url().parse().unwrap();
        let host = match &config.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => host.clone(),
            other => panic!("a TCP host, not {other:?}"),
        };
        let owner_url = format!(
            "postgres://{OWNER}@{host}:{}/{database}",
            config.get_ports()[0]
        );
        let key = |k: &str| FieldKey::new(k).unwrap();
        let sample = Sample::new(91);
        let tenants = [Tenant::generate(), Tenant::generate()];
        let mut gold = Vec::new();
        for tenant in tenants {
            let store = BlockingPostgresStore::connect(&owner_url, tenant).unwrap();
            let crm = sample.crm(&store);
            let options = ["gold", "silver"]
                .map(|o| PicklistOption::new(key(o), o))
                .to_vec();
            let field = FieldDefinition::new(key("tier"), "Tier", FieldType::Picklist { options });
            let change = SchemaChange::AddField {
                kind: prospect::record::RecordKind::Contact,
                field,
            };
            crm.change_field_schema(SchemaVersion::EMPTY, change, sample.actor())
                .unwrap();
            for option in ["gold", "silver"] {
                let mut values = FieldValues::new();
                values.set(key("tier"), FieldValue::Picklist(key(option)));
                let details = WithFields::new(sample.contact_details(), values);
                let contact = crm
                    .create_contact(details, OnDuplicate::Refuse, sample.actor())
                    .unwrap()
                    .into_contact();
                if option == "gold" {
                    gold.push(RecordId::Contact(contact.id()));
                }
            }
        }
        // Back to schema 4, as the owner.
        runtime().block_on(async {
            let (client, connection) = tokio_postgres::connect(&owner_url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(
                    "DROP TABLE field_terms; DROP TABLE duplicate_keys;
                     UPDATE prospect_schema SET version = 4;",
                )
                .await
                .unwrap();
        });
        let query = Query::of_kind(prospect::record::RecordKind::Contact)
            .with_field(key("tier"), FieldMatch::Picklist(key("gold")));
        for (tenant, gold) in tenants.into_iter().zip(gold) {
            let store = BlockingPostgresStore::connect(&owner_url, tenant).unwrap();
            let listed: Vec<RecordId> = store
                .list(&query, None, 10)
                .unwrap()
                .records
                .iter()
                .map(|r| r.id())
                .collect();
            assert_eq!(
                listed,
                [gold],
                "the tenant's gold contact, indexed by the migration"
            );
            let (contact, _) = store.load(gold).unwrap().unwrap().into_parts();
            let keys = contact.duplicate_keys();
            assert!(!keys.is_empty());
            for key in keys {
                let kind = key.kind();
                let by_key =
                    Query::of_kind(prospect::record::RecordKind::Contact).with_duplicate_key(key);
                let listed = store.list(&by_key, None, 10).unwrap().records;
                assert!(
                    listed.iter().any(|r| r.id() == gold),
                    "the tenant's gold contact by its {kind} key, indexed by the migration"
                );
            }
        }
        admin(format!("DROP DATABASE {database} WITH (FORCE)"));
    }
}
