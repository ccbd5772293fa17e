//! CPU time spent during a stretch of a benchmark, by process kind (PostgreSQL, the api, the
//! worker, Redis, the simulator, the bench itself, the rest) and for the whole machine, read
//! from `/proc`: what one booking costs the machine's cores, so a rate can be set against what
//! two cores can give at all.

use std::collections::{BTreeMap, HashMap};

/// Linux reports process times in `/proc` in units of `USER_HZ`, 100 a second on every
/// architecture this runs on.
const TICKS_PER_SEC: f64 = 100.0;

/// The kinds processes are counted under, in the order they are printed.
pub const KINDS: [&str; 7] = ["postgres", "api", "worker", "redis", "sim", "bench", "other"];

/// Every process's CPU ticks so far and the machine's busy ticks, at one moment.
pub struct CpuSample {
    processes: HashMap<u32, (&'static str, u64)>,
    machine_busy: u64,
}

/// CPU seconds between two samples.
#[derive(Debug, Clone, Default)]
pub struct CpuUse {
    /// Seconds by process kind ([`KINDS`]).
    pub by_kind: BTreeMap<&'static str, f64>,
    /// Seconds the machine's cores were busy (user, system, interrupts), whoever ran.
    pub machine: f64,
}

impl CpuSample {
    pub fn take() -> Self {
        let me = std::process::id();
        let mut processes = HashMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            if let Some((comm, ticks)) = parse_stat(&stat) {
                processes.insert(pid, (kind(pid == me, comm), ticks));
            }
        }
        Self { processes, machine_busy: machine_busy_ticks() }
    }

    /// What ran since `self`: a process present at both samples counts its difference, one
    /// started since counts whole (one that ended in between is not seen).
    pub fn until(&self, later: &CpuSample) -> CpuUse {
        let mut by_kind: BTreeMap<&'static str, f64> = KINDS.iter().map(|k| (*k, 0.0)).collect();
        for (pid, (kind, ticks)) in &later.processes {
            let before = self.processes.get(pid).map_or(0, |(_, t)| *t);
            *by_kind.entry(kind).or_default() += ticks.saturating_sub(before) as f64 / TICKS_PER_SEC;
        }
        CpuUse { by_kind, machine: later.machine_busy.saturating_sub(self.machine_busy) as f64 / TICKS_PER_SEC }
    }
}

impl CpuUse {
    /// All the processes' seconds.
    pub fn total(&self) -> f64 {
        self.by_kind.values().sum()
    }

    /// One kind's seconds (0 for a kind not seen).
    pub fn of(&self, kind: &str) -> f64 {
        self.by_kind.get(kind).copied().unwrap_or(0.0)
    }

    /// `prefix=` the processes' milliseconds per one of `n` (bookings, transactions), then
    /// `prefix_KIND=` for each kind that used any, then `prefix_machine=`, on one line.
    pub fn per_line(&self, prefix: &str, n: usize) -> String {
        let per = |s: f64| ms_each(s, n);
        let mut line = format!("{prefix}={:.3}", per(self.total()));
        for kind in KINDS {
            let s = self.of(kind);
            if s > 0.0 {
                line.push_str(&format!(" {prefix}_{kind}={:.3}", per(s)));
            }
        }
        line.push_str(&format!(" {prefix}_machine={:.3}", per(self.machine)));
        line
    }
}

/// `seconds` as milliseconds for each of `n`.
pub fn ms_each(seconds: f64, n: usize) -> f64 {
    seconds * 1000.0 / n.max(1) as f64
}

/// The kind a process is counted under, by its name.
fn kind(is_me: bool, comm: &str) -> &'static str {
    match comm {
        _ if is_me => "bench",
        "postgres" => "postgres",
        "yizhan-api" => "api",
        "yizhan-worker" => "worker",
        "yizhan-sim" => "sim",
        c if c.starts_with("redis") => "redis",
        _ => "other",
    }
}

/// A `/proc/PID/stat` line's name and user + system ticks (fields 14 and 15; the name, in
/// parentheses, may hold spaces, so the fields are counted from its closing parenthesis).
fn parse_stat(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// The machine's busy ticks over all cores since boot (`/proc/stat`'s `cpu` line: user, nice,
/// system, irq, softirq, steal; not idle or iowait).
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return 0 };
    let f: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    [0, 1, 2, 5, 6, 7].iter().filter_map(|i| f.get(*i)).sum()
}

/// The cores this machine has.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_its_name_and_ticks_even_with_spaces_and_parentheses_in_the_name() {
        let line = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 37 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("tokio (rt) x", 287)));
        assert_eq!(parse_stat("7 (short) S 1"), None);
    }

    #[test]
    fn busy_work_in_this_process_is_counted_as_the_bench() {
        // Spins until this thread itself has run 0.3 s of CPU (its own `/proc/thread-self/stat`),
        // however long a busy machine makes that take, then reads what the sample counted.
        let thread_ticks = || std::fs::read_to_string("/proc/thread-self/stat").ok().and_then(|s| parse_stat(&s).map(|(_, t)| t));
        let before = CpuSample::take();
        let started = (thread_ticks().expect("thread stat"), std::time::Instant::now());
        let mut x = 0u64;
        while thread_ticks().expect("thread stat") < started.0 + 30 {
            assert!(started.1.elapsed() < std::time::Duration::from_secs(60), "0.3 s of CPU not had in a minute");
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        let used = before.until(&CpuSample::take());
        assert!(used.of("bench") >= 0.3, "the bench's 0.3 s of spinning counted {} s", used.of("bench"));
        assert!(used.machine >= used.of("bench") - 0.05, "the machine's busy time {} below the bench's", used.machine);
    }
}
