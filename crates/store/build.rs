//! `sqlx::migrate!` embeds the migrations at compile time but cannot tell cargo about a new file:
//! without this, adding a migration left incremental builds running the old list.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
