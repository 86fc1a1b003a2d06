//! `containers monitor` and `containers optimize` arguments.

use std::time::Duration;

use clap::Args;

/// `containers monitor` arguments.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Filter as `containers list` does: KEY=VALUE.
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// Containers sampled at once through the API (the engine serves concurrent stats
    /// requests from one collector tick, so more in flight costs it little).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Where numbers come from: `cgroup` files on this host, the engine `api`, or `auto`
    /// (cgroup files where readable, the API otherwise).
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    pub source: tuxpilot_monitor::Source,
    /// Keep sampling every DURATION (e.g. `2s`); one table (or JSON object per container) per tick.
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
    /// Stop after N ticks (with --interval, --real-time or alerts).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Full-screen live view (sort, filter, history, stop/restart/logs); refreshing lines when
    /// the output is not a terminal.
    #[arg(long)]
    pub real_time: bool,
    /// Serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9101) at /metrics until interrupted.
    #[arg(long, value_name = "ADDR")]
    pub prometheus: Option<std::net::SocketAddr>,
    /// Evaluate the alert rules of `[containers.monitoring]` every interval until interrupted.
    #[arg(long)]
    pub alerts: bool,
    /// CPU alert threshold in percent (overrides `cpu_alert_threshold` in the config).
    #[arg(long, value_name = "PERCENT")]
    pub cpu_alert: Option<f64>,
    /// Memory alert threshold in percent of the limit.
    #[arg(long, value_name = "PERCENT")]
    pub memory_alert: Option<f64>,
    /// Disk alert threshold in percent.
    #[arg(long, value_name = "PERCENT")]
    pub disk_alert: Option<f64>,
    /// How long a threshold must be crossed before the alert fires (e.g. `1m`).
    #[arg(long = "alert-for", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub alert_for: Option<Duration>,
    /// POST Alertmanager-style webhooks to URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Run COMMAND (through `sh -c`) for each notification, JSON on stdin.
    #[arg(long, value_name = "COMMAND")]
    pub alert_command: Option<String>,
    /// Append notifications as JSON lines to FILE (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub alert_json: Option<std::path::PathBuf>,
    /// With --alerts: keep evaluating alerts in the background after this command returns (a
    /// systemd user service where systemd runs for the user, else a detached process).
    #[arg(long, requires = "alerts")]
    pub detach: bool,
    /// Stop the background monitoring that --detach (or chat's "set up monitoring") started.
    #[arg(long, conflicts_with_all = ["alerts", "real_time", "prometheus", "interval", "detach"])]
    pub stop: bool,
    /// With the cgroup source, time between the two reads of a snapshot.
    #[arg(long, default_value = "300ms", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub sample_window: Duration,
}

impl MonitorArgs {
    /// The live view (`containers monitor --real-time [--filter FILTER]`), with every other
    /// option at its default: what chat hands over to.
    pub fn live(filter: Option<String>) -> Self {
        Self {
            filter: filter.into_iter().collect(),
            concurrency: 64,
            source: tuxpilot_monitor::Source::Auto,
            interval: None,
            count: None,
            real_time: true,
            prometheus: None,
            alerts: false,
            cpu_alert: None,
            memory_alert: None,
            disk_alert: None,
            alert_for: None,
            webhook: None,
            alert_command: None,
            alert_json: None,
            sample_window: Duration::from_millis(300),
            detach: false,
            stop: false,
        }
    }
}

fn parse_source(s: &str) -> Result<tuxpilot_monitor::Source, String> {
    s.parse()
}

/// `containers optimize` arguments.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Containers to size (default: every running container).
    pub containers: Vec<String>,
    /// How long to observe before recommending (e.g. `10m`, `24h`).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub window: Duration,
    /// Time between samples.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub interval: Duration,
    /// Where numbers come from (as for `monitor`).
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    pub source: tuxpilot_monitor::Source,
    /// Update the running containers' limits to the recommendation.
    #[arg(long)]
    pub apply: bool,
}
