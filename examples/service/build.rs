//! Sets `cfg(postgres_server)` when `PROSPECT_POSTGRES_URL` names a server for the tests
//! (`scripts/postgres.sh start` makes one); the tests that need it are compiled only then, and
//! say how to start one otherwise (or fail, in CI).
fn main() {
    println!("cargo::rerun-if-env-changed=PROSPECT_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(postgres_server)");
    if std::env::var_os("PROSPECT_POSTGRES_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_server");
    }
}
