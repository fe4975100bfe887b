//! The server restarted in the middle of a run. A test binary of its own: cargo runs test
//! binaries one after the other, so stopping the server here disturbs no other test.

/// Without a server the tests that need one are not compiled: this ignored test stands for
/// them, so that the test run lists them as skipped, with the reason and how to run them.
#[cfg(not(postgres_server))]
#[test]
#[ignore = "PROSPECT_POSTGRES_URL is not set: the PostgreSQL restart test is not compiled; start a throwaway \
            server with `eval \"$(scripts/postgres.sh start)\"` and run it again"]
fn the_restart_test_needs_a_server() {}

/// In CI the tests that need a server must run: without one, this fails.
#[cfg(not(postgres_server))]
#[test]
fn in_ci_the_restart_test_runs() {
    assert!(
        std::env::var("CI").ok().is_none_or(|ci| ci != "true"),
        "PROSPECT_POSTGRES_URL is not set: in CI the PostgreSQL restart test must run (.ci/run starts a server)"
    );
}

#[cfg(postgres_server)]
mod server {
    use prospect::record::RecordId;
    use prospect::store::Store;
    use prospect::testkit::Sample;
    use prospect::*;
    use prospect_postgres::{BlockingPostgresStore, Tenant};

    /// The server stops and starts again in the middle of a run: the calls made while it is
    /// down fail with a clear error (never a conflict, never a panic), the pool reconnects,
    /// and every commit reported as done is there afterwards. Needs `PROSPECT_POSTGRES_CTL`
    /// (`scripts/postgres.sh` sets it); in CI it is always set.
    #[test]
    fn the_server_restarting_loses_no_committed_write_and_the_pool_recovers() {
        let Ok(ctl) = std::env::var("PROSPECT_POSTGRES_CTL") else {
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("PROSPECT_POSTGRES_CTL is not set: the restart test must run in CI");
            }
            eprintln!("skipped: PROSPECT_POSTGRES_CTL is not set (scripts/postgres.sh sets it)");
            return;
        };
        let ctl = |what: &str| {
            let status = std::process::Command::new(&ctl).arg(what).status().unwrap();
            assert!(status.success(), "{ctl} {what} failed");
        };
        let sample = Sample::new(93);
        let url = std::env::var("PROSPECT_POSTGRES_URL").unwrap();
        let store = BlockingPostgresStore::connect(&url, Tenant::generate()).unwrap();
        let crm = sample.crm(&store);
        let me = sample.actor();
        let mut committed = Vec::new();
        let mut failures = Vec::new();
        for round in 0..60 {
            if round == 20 {
                ctl("stop");
            }
            if round == 40 {
                ctl("start");
            }
            match crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me) {
                Ok(created) => committed.push(created.into_contact().id()),
                Err(e) => {
                    assert!(!e.is_conflict(), "a failure is not a conflict: {e}");
                    failures.push(e.to_string());
                }
            }
        }
        assert!(
            committed.len() >= 39,
            "committed before and after: {}",
            committed.len()
        );
        assert!(
            !failures.is_empty(),
            "the calls made while it was down failed"
        );
        eprintln!("while the server was down: {}", failures[0]);
        // The pool recovered: a new call works, and every reported commit is stored.
        for id in &committed {
            assert!(
                store.load(RecordId::Contact(*id)).unwrap().is_some(),
                "{id}: reported committed, and lost"
            );
        }
        assert_eq!(
            store.read_events(None, 1000).unwrap().events.len(),
            committed.len(),
            "one event per committed write"
        );
    }
}
