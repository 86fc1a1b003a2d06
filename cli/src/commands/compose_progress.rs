//! `compose` progress lines, as `docker compose` prints them: plain lines, JSON lines, or
//! redrawn in place on a terminal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tuxpilot_compose::runtime::{ProgressEvent, ProgressFn};

use crate::args::ProgressMode;

/// Progress lines on stderr as `docker compose` prints them (in place on a terminal).
pub fn progress_printer(mode: ProgressMode) -> ProgressFn {
    use std::io::IsTerminal;
    let tty = mode == ProgressMode::Auto && std::io::stderr().is_terminal();
    if tty {
        return tty_progress();
    }
    Arc::new(move |e: ProgressEvent| {
        let line = match mode {
            ProgressMode::Quiet => return,
            ProgressMode::Json => serde_json::to_string(&e).unwrap_or_default(),
            _ => plain_line(&e),
        };
        eprintln!("{line}");
    })
}

fn is_done(status: &str) -> bool {
    matches!(
        status,
        "Created"
            | "Started"
            | "Healthy"
            | "Stopped"
            | "Removed"
            | "Recreated"
            | "Built"
            | "Pulled"
            | "Ready"
            | "Updated"
    )
}

fn plain_line(e: &ProgressEvent) -> String {
    let mark = match (e.status, is_done(e.status)) {
        ("Error", _) => "✘",
        (_, true) => "✔",
        _ => " ",
    };
    let elapsed = e.elapsed_ms.map(|ms| format!(" {:.1}s", ms as f64 / 1000.0)).unwrap_or_default();
    let msg = e.message.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
    format!(" {mark} {} {}  {}{elapsed}{msg}", e.kind, e.name, e.status)
}

/// On a terminal, one line per resource, updated in place, like `docker compose`.
fn tty_progress() -> ProgressFn {
    use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
    let multi = MultiProgress::new();
    let bars: std::sync::Mutex<BTreeMap<String, ProgressBar>> = std::sync::Mutex::new(BTreeMap::new());
    let spinner =
        ProgressStyle::with_template(" {spinner:.cyan} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
    let done_style = ProgressStyle::with_template(" {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
    Arc::new(move |e: ProgressEvent| {
        let key = format!("{} {}", e.kind, e.name);
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars
            .entry(key.clone())
            .or_insert_with(|| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(spinner.clone());
                b.enable_steady_tick(Duration::from_millis(100));
                b
            })
            .clone();
        let elapsed = e.elapsed_ms.map(|ms| format!(" {:.1}s", ms as f64 / 1000.0)).unwrap_or_default();
        let msg = e.message.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
        if is_done(e.status) || e.status == "Error" {
            let mark = if e.status == "Error" { "\u{1b}[31m✘\u{1b}[0m" } else { "\u{1b}[32m✔\u{1b}[0m" };
            bar.set_style(done_style.clone());
            bar.set_message(format!("{mark} {key}  {}{elapsed}{msg}", e.status));
            bar.tick();
            if matches!(e.status, "Started" | "Removed" | "Error" | "Healthy" | "Built" | "Pulled" | "Updated") {
                bar.finish();
            }
        } else {
            bar.set_style(spinner.clone());
            bar.set_message(format!("{key}  {}{msg}", e.status));
        }
    })
}
