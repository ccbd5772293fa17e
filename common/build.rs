// `sqlx::migrate!` embeds `../migrations` at compile time, but cargo does not notice a new file
// there: rebuild this crate whenever the folder changes (sqlx's documented remedy).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
