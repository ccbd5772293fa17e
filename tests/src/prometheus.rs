//! Reading a process's `GET /metrics` (Prometheus text) in tests and benches.

/// The value of the sample `name` (a counter or a gauge) with the one label `label = value` (0
/// when not yet recorded).
pub fn sample(text: &str, name: &str, (label, value): (&str, &str)) -> f64 {
    let prefix = format!("{name}{{{label}=\"{value}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0.0, |v| v.trim().parse().unwrap_or(f64::NAN))
}

/// The metrics text served at `addr` (`host:port`).
pub async fn scrape(addr: &str) -> reqwest::Result<String> {
    reqwest::get(format!("http://{addr}/metrics")).await?.error_for_status()?.text().await
}
