//! `tuxpilot containers monitor` and `containers optimize`: rendering what tuxpilot-monitor
//! measures.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_docker::Engine;
use tuxpilot_docker::units::format_bytes;
use tuxpilot_monitor::optimize::Recommendation;
use tuxpilot_monitor::{Collector, CollectorOptions, Monitor, MonitoringConfig, Observation, Tick};

use crate::args::{MonitorArgs, OptimizeArgs};
use crate::config::Config;
use crate::output::{Ui, short_id};

/// The engine's data root when the engine runs on this host (disk alerts need it).
async fn local_data_root(engine: &dyn Engine, address: &str) -> Option<PathBuf> {
    if !(address.starts_with("unix://") || address.starts_with('/')) {
        return None;
    }
    let root = PathBuf::from(engine.info().await.ok()?.docker_root_dir);
    root.exists().then_some(root)
}

/// The monitoring config: the file's `[containers.monitoring]`, then flags.
fn monitoring_config(config: &Config, a: &MonitorArgs, ui: &mut Ui<'_>) -> anyhow::Result<MonitoringConfig> {
    let (mut m, warnings) = config.monitoring()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    m.cpu_alert_threshold = a.cpu_alert.or(m.cpu_alert_threshold);
    m.memory_alert_threshold = a.memory_alert.or(m.memory_alert_threshold);
    m.disk_alert_threshold = a.disk_alert.or(m.disk_alert_threshold);
    m.for_duration = a.alert_for.or(m.for_duration);
    m.webhook = a.webhook.clone().or(m.webhook);
    m.command = a.alert_command.clone().or(m.command);
    m.json_log = a.alert_json.clone().or(m.json_log);
    m.interval = a.interval.or(m.interval);
    // A threshold that is not a number, or is 0 or less, would fire always or never.
    for (flag, key, value, max) in [
        ("--cpu-alert", "cpu_alert_threshold", m.cpu_alert_threshold, f64::MAX),
        ("--memory-alert", "memory_alert_threshold", m.memory_alert_threshold, 100.0),
        ("--disk-alert", "disk_alert_threshold", m.disk_alert_threshold, 100.0),
    ] {
        if let Some(v) = value
            && !(v.is_finite() && v > 0.0 && v <= max)
        {
            let range = if max == 100.0 { "above 0 and at most 100" } else { "above 0 (100 is one full CPU)" };
            anyhow::bail!(crate::error::UsageError(format!(
                "the alert threshold {v} (`{flag}` or `{key}`) must be a percentage {range}"
            )));
        }
    }
    if m.interval.is_some_and(|i| i.is_zero()) {
        anyhow::bail!(crate::error::UsageError(
            "the interval must be longer than 0 (`--interval` or `[containers.monitoring] interval`): use e.g. 1s"
                .into()
        ));
    }
    Ok(m)
}

/// The `docker stats` table rows.
pub fn stats_rows(obs: &[Observation]) -> Vec<Vec<Cell>> {
    obs.iter()
        .map(|o| {
            let m = &o.metrics;
            vec![
                Cell::new(short_id(&m.id)),
                Cell::new(&m.name),
                Cell::new(format!("{:.2}%", m.cpu_percent)),
                Cell::new(format!("{} / {}", format_bytes(m.memory_used_bytes), format_bytes(m.memory_limit_bytes))),
                Cell::new(format!("{:.2}%", m.memory_percent)),
                Cell::new(format!("{} / {}", format_bytes(m.net_rx_bytes), format_bytes(m.net_tx_bytes))),
                Cell::new(format!("{} / {}", format_bytes(m.block_read_bytes), format_bytes(m.block_write_bytes))),
                Cell::new(m.pids),
            ]
        })
        .collect()
}

/// The table's headers.
pub const STATS_HEADERS: [&str; 8] =
    ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"];

/// `containers monitor`.
pub async fn monitor(
    engine: Arc<dyn Engine>,
    address: &str,
    ui: &mut Ui<'_>,
    a: &MonitorArgs,
    config: &Config,
) -> anyhow::Result<()> {
    if a.stop {
        return stop_background(ui);
    }
    let mconf = monitoring_config(config, a, ui)?;
    if a.detach {
        if mconf.rules().is_empty() {
            anyhow::bail!(crate::error::UsageError(
                "--alerts needs a threshold: --cpu-alert/--memory-alert/--disk-alert or [containers.monitoring]".into()
            ));
        }
        return detach(ui);
    }
    let opts =
        CollectorOptions { source: a.source, filters: super::spec::filters(&a.filter)?, concurrency: a.concurrency };
    let rules = mconf.rules();
    if a.alerts && rules.is_empty() {
        anyhow::bail!(crate::error::UsageError(
            "--alerts needs a threshold: --cpu-alert/--memory-alert/--disk-alert or [containers.monitoring]".into()
        ));
    }
    // Threshold flags imply --alerts; thresholds in the config file only apply with --alerts (a
    // plain `monitor` stays a snapshot).
    let alerting = a.alerts || a.cpu_alert.is_some() || a.memory_alert.is_some() || a.disk_alert.is_some();
    let rules = if alerting { rules } else { Vec::new() };
    let looping = a.interval.is_some() || a.real_time || a.prometheus.is_some() || alerting;

    if !looping {
        let mut collector = Collector::new(engine, opts);
        let obs = collector.snapshot(a.sample_window).await?;
        return print_tick(ui, &obs);
    }

    let _server = match a.prometheus {
        Some(addr) => {
            let c = Arc::new(tokio::sync::Mutex::new(Collector::new(engine.clone(), opts.clone())));
            let (bound, task) = tuxpilot_monitor::prometheus::serve(addr, c)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
            writeln!(ui.err, "serving Prometheus metrics on http://{bound}/metrics")?;
            Some(AbortOnDrop(task))
        }
        None => None,
    };
    // Prometheus alone: serve until interrupted.
    if a.prometheus.is_some() && a.interval.is_none() && !a.real_time && rules.is_empty() {
        tokio::signal::ctrl_c().await?;
        return Ok(());
    }

    let interval = mconf.interval.unwrap_or(Duration::from_secs(1));
    let data_root = if rules.iter().any(|r| r.metric == tuxpilot_monitor::AlertMetric::Disk) {
        local_data_root(engine.as_ref(), address).await
    } else {
        None
    };
    let sinks = mconf.sinks();
    let disk_every = (Duration::from_secs(60).as_millis() / interval.as_millis().max(1)).max(1) as u32;
    let mut monitor = Monitor::new(Collector::new(engine.clone(), opts), rules, sinks, data_root, disk_every)
        .with_window(a.sample_window.min(interval / 2));

    if a.real_time && std::io::stdout().is_terminal() && !ui.json() {
        return crate::commands::live::run(engine, monitor, interval, a.count).await;
    }

    let tty = std::io::stdout().is_terminal();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut done = 0u64;
    let mut was_down = false;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => return finish(ui, &mut monitor).await,
        }
        match monitor.tick().await {
            Ok(tick) => {
                if was_down {
                    writeln!(ui.err, "engine reachable again")?;
                    was_down = false;
                }
                render_tick(ui, &tick, a.real_time, tty)?;
            }
            // The engine restarting: say so once and keep trying every tick.
            Err(e) if e.is_unavailable() => {
                if !was_down {
                    writeln!(
                        ui.err,
                        "engine unavailable ({e}); retrying every {}",
                        humantime::format_duration(interval)
                    )?;
                    was_down = true;
                }
            }
            Err(e) => return Err(e.into()),
        }
        done += 1;
        if a.count.is_some_and(|n| done >= n) {
            return finish(ui, &mut monitor).await;
        }
    }
}

/// Lets the alerts already raised reach their sinks (within a sink's time limit) and reports the
/// sinks that failed.
async fn finish(ui: &mut Ui<'_>, monitor: &mut Monitor) -> anyhow::Result<()> {
    let within = tuxpilot_monitor::delivery::SINK_TIMEOUT + Duration::from_secs(1);
    for e in monitor.flush(within).await {
        writeln!(ui.err, "warning: {e}")?;
    }
    Ok(())
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One `docker stats` table (or a JSON object a container).
pub fn print_tick(ui: &mut Ui<'_>, obs: &[Observation]) -> anyhow::Result<()> {
    if ui.json() {
        // One object per container, numbers as numbers.
        for o in obs {
            ui.print_json_line(&o.metrics)?;
        }
        return Ok(());
    }
    ui.print_table(&STATS_HEADERS, stats_rows(obs))
}

fn render_tick(ui: &mut Ui<'_>, tick: &Tick, lines: bool, tty: bool) -> anyhow::Result<()> {
    for e in &tick.sink_errors {
        writeln!(ui.err, "warning: {e}")?;
    }
    // Alerts themselves go out through the sinks (the log sink writes to stderr).
    if ui.json() {
        print_tick(ui, &tick.observations)?;
    } else if lines {
        // Refreshing lines for a pipe or a log: one line per container per tick.
        let ts = tick.at.format("%H:%M:%S");
        for o in &tick.observations {
            let m = &o.metrics;
            writeln!(
                ui.out,
                "{ts} {} cpu={:.2}% mem={} / {} ({:.2}%) net={} / {} block={} / {} pids={}",
                m.name,
                m.cpu_percent,
                format_bytes(m.memory_used_bytes),
                format_bytes(m.memory_limit_bytes),
                m.memory_percent,
                format_bytes(m.net_rx_bytes),
                format_bytes(m.net_tx_bytes),
                format_bytes(m.block_read_bytes),
                format_bytes(m.block_write_bytes),
                m.pids
            )?;
        }
    } else {
        if tty {
            // Redraw in place like `docker stats`.
            write!(ui.out, "\x1b[2J\x1b[H")?;
        } else {
            writeln!(ui.out)?;
        }
        print_tick(ui, &tick.observations)?;
    }
    ui.out.flush()?;
    Ok(())
}

/// `containers optimize` JSON output.
#[derive(Debug, Serialize)]
struct OptimizeView<'a> {
    #[serde(flatten)]
    rec: &'a Recommendation,
    docker_update: String,
    compose: String,
    applied: bool,
}

/// `containers optimize`.
pub async fn optimize(engine: Arc<dyn Engine>, ui: &mut Ui<'_>, a: &OptimizeArgs) -> anyhow::Result<()> {
    if a.interval.is_zero() {
        anyhow::bail!(crate::error::UsageError("--interval must be longer than 0: use e.g. 1s".into()));
    }
    let bar = if ui.json() || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(a.window.as_secs().max(1));
        b.set_style(
            indicatif::ProgressStyle::with_template("observing {bar:30} {elapsed}/{duration} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    };
    let options = tuxpilot_monitor::ObserveOptions {
        containers: a.containers.clone(),
        window: a.window,
        interval: a.interval,
        source: a.source,
    };
    let recs = tuxpilot_monitor::observe(engine.clone(), &options, &mut |elapsed, n| {
        bar.set_position(elapsed.as_secs());
        bar.set_message(format!("{n} containers"));
    })
    .await?;
    bar.finish_and_clear();
    if recs.is_empty() {
        anyhow::bail!(
            "no running containers to size{}",
            if a.containers.is_empty() { "" } else { " (the named ones stopped)" }
        );
    }

    let mut applied = vec![false; recs.len()];
    let mut failures = Vec::new();
    if a.apply {
        for (i, r) in recs.iter().enumerate() {
            match r.apply(engine.as_ref()).await {
                Ok(()) => applied[i] = true,
                Err(e) => failures.push(format!("{}: {e}", r.name)),
            }
        }
    }

    if ui.json() {
        let views: Vec<OptimizeView<'_>> = recs
            .iter()
            .zip(&applied)
            .map(|(r, ap)| OptimizeView {
                rec: r,
                docker_update: r.docker_update(),
                compose: r.compose_snippet(),
                applied: *ap,
            })
            .collect();
        ui.print_json(&views)?;
    } else {
        let limit = |c: Option<f64>| c.map(|c| format!("{c:.2}")).unwrap_or_else(|| "none".into());
        let mem = |m: Option<u64>| m.map(format_bytes).unwrap_or_else(|| "none".into());
        let rows = recs
            .iter()
            .zip(&applied)
            .map(|(r, ap)| {
                vec![
                    Cell::new(&r.name),
                    Cell::new(format!("{:.3}", r.cpu_p90)),
                    Cell::new(format!("{} → {:.2}", limit(r.current_cpus), r.cpus)),
                    Cell::new(format_bytes(r.memory_peak_bytes)),
                    Cell::new(format!("{} → {}", mem(r.current_memory_bytes), format_bytes(r.memory_bytes))),
                    Cell::new(r.oom_kills),
                    Cell::new(
                        format!("{:?} ({} samples, {:.0}s)", r.confidence, r.samples, r.history_seconds).to_lowercase(),
                    ),
                    Cell::new(if *ap { "applied" } else { "" }),
                ]
            })
            .collect();
        ui.print_table(&["NAME", "CPU P90", "CPUS", "MEM PEAK", "MEMORY", "OOM", "CONFIDENCE", ""], rows)?;
        writeln!(ui.out)?;
        for r in &recs {
            writeln!(ui.out, "{}", r.docker_update())?;
        }
        writeln!(ui.out)?;
        let mut seen = Vec::new();
        for r in &recs {
            let snippet = r.compose_snippet();
            // The services: header once.
            let body = snippet.trim_start_matches("services:\n");
            if seen.is_empty() {
                writeln!(ui.out, "services:")?;
            }
            seen.push(());
            write!(ui.out, "{body}")?;
        }
        if recs.iter().any(|r| r.confidence == tuxpilot_monitor::optimize::Confidence::Low) {
            writeln!(ui.err, "note: under an hour of history; observe longer (--window 24h) for daily peaks")?;
        }
    }
    if !failures.is_empty() {
        anyhow::bail!("could not apply to {} container(s):\n  {}", failures.len(), failures.join("\n  "));
    }
    Ok(())
}

/// `monitor --alerts --detach`: the same command, without `--detach`, kept running in the
/// background.
fn detach(ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let mut argv: Vec<String> = std::env::args().filter(|a| a != "--detach").collect();
    if let Some(first) = argv.first_mut() {
        *first = std::env::current_exe()?.display().to_string();
    }
    let state = tuxpilot_monitor::background::default_state_dir();
    let running = tuxpilot_monitor::background::start(&argv, &state)?;
    if ui.json() {
        return ui.print_json(&serde_json::json!({ "background": running, "command": argv }));
    }
    writeln!(ui.out, "Monitoring runs in the background: {}", running.how_to_see())?;
    writeln!(ui.out, "Stop it with: tuxpilot containers monitor --stop")?;
    Ok(())
}

/// `monitor --stop`.
fn stop_background(ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let stopped = tuxpilot_monitor::background::stop(&tuxpilot_monitor::background::default_state_dir())?;
    if ui.json() {
        return ui.print_json(&serde_json::json!({ "stopped": stopped }));
    }
    match stopped {
        Some(r) => writeln!(ui.out, "Background monitoring stopped ({}).", r.how_to_see())?,
        None => writeln!(ui.out, "No background monitoring was running.")?,
    }
    Ok(())
}
