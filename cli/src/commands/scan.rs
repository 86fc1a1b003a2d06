//! `tuxpilot containers scan`: renders what tuxpilot-security finds.

use std::io::IsTerminal;
use std::path::PathBuf;

use comfy_table::{Cell, Color};
use tuxpilot_docker::{Engine, ListContainersOptions};
use tuxpilot_security::{IgnoreList, ImageScanOptions, Report, SecurityConfig, Severity, cyclonedx, sarif, scan_image};

use crate::args::{DbCommand, ScanArgs, ScanDbCommand};
use crate::config::Config;
use crate::output::Format;
use crate::output::Ui;

/// What `scan` decided: how the process should exit.
pub struct ScanOutcome {
    /// Exit code (0 when nothing remains or `--exit-code` is 0).
    pub exit_code: i32,
    /// Findings left after filters.
    pub findings: usize,
}

/// `--exit-code N` with findings left: the report is out, the process exits with `code`.
#[derive(Debug)]
pub struct FindingsRemain {
    /// The exit code asked for.
    pub code: i32,
    /// Findings left.
    pub count: usize,
}

impl std::fmt::Display for FindingsRemain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} finding(s) remain after filters (exit code {})", self.count, self.code)
    }
}

impl std::error::Error for FindingsRemain {}

fn db_dir(flag: Option<&PathBuf>, config: &SecurityConfig) -> anyhow::Result<PathBuf> {
    flag.cloned().or_else(|| config.vulnerability_db.clone()).ok_or_else(|| {
        anyhow::anyhow!(
            "no vulnerability database directory: pass --db DIR or set [containers.security] vulnerability_db"
        )
    })
}

/// `containers scan db import|info`.
pub fn db_command(ui: &mut Ui<'_>, cmd: &ScanDbCommand, config: &Config) -> anyhow::Result<()> {
    let (sec, warnings) = config.security()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    let ScanDbCommand::Db(cmd) = cmd;
    let info = match cmd {
        DbCommand::Import { source, db_dir: dir } => {
            let dir = db_dir(dir.as_ref(), &sec)?;
            tuxpilot_security::vulndb::import(source, &dir)?
        }
        DbCommand::Info { db_dir: dir } => tuxpilot_security::vulndb::info(&db_dir(dir.as_ref(), &sec)?)?,
    };
    if ui.json() {
        return ui.print_json(&info);
    }
    writeln!(ui.out, "database   {}", info.path.display())?;
    writeln!(ui.out, "records    {}", info.records)?;
    writeln!(ui.out, "imported   {}", info.imported_at.as_deref().unwrap_or("never"))?;
    if info.skipped > 0 {
        writeln!(ui.err, "warning: skipped {} file(s) that are not OSV records, for example:", info.skipped)?;
        for e in &info.skipped_examples {
            writeln!(ui.err, "  {e}")?;
        }
    }
    let rows = info.ecosystems.iter().map(|(e, n)| vec![Cell::new(e), Cell::new(n)]).collect();
    ui.print_table(&["ECOSYSTEM", "RECORDS"], rows)
}

/// `containers scan`.
pub async fn scan(engine: &dyn Engine, ui: &mut Ui<'_>, a: &ScanArgs, config: &Config) -> anyhow::Result<ScanOutcome> {
    let (sec, warnings) = config.security()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    let mut containers = a.containers.clone();
    if a.all {
        let list = engine.list_containers(ListContainersOptions { all: true, ..Default::default() }).await?;
        // TuxPilot's deployment locks and probes are never-started placeholders, not workloads.
        containers.extend(
            list.into_iter()
                .filter(|c| !c.labels.contains_key("io.tuxpilot.lock") && !c.labels.contains_key("io.tuxpilot.probe"))
                .map(|c| c.name),
        );
    }
    if containers.is_empty() && a.images.is_empty() {
        anyhow::bail!("nothing to scan: give --container NAME, --all or --image REF");
    }
    if ui.format == Format::Cyclonedx && a.images.is_empty() {
        anyhow::bail!("--format cyclonedx describes image contents: give --image REF");
    }
    let ignore = match a.ignore_file.as_ref().or(sec.ignore_file.as_ref()) {
        Some(p) => {
            let text = tuxpilot_docker::files::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read ignore file {}: {e}", p.display()))?;
            Some(IgnoreList::parse(&text, p).map_err(|e| anyhow::anyhow!(e))?)
        }
        None => None,
    };
    // Only the ecosystem each image needs is loaded, once its contents are known.
    let db_dir = a.db_dir.as_ref().or(sec.vulnerability_db.as_ref());
    if let Some(dir) = db_dir
        && !a.images.is_empty()
        && !dir.is_dir()
    {
        anyhow::bail!(
            "vulnerability database {} is not a directory (import one with `containers scan db import`)",
            dir.display()
        );
    }

    let bar = if !ui.json() && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new((containers.len() + a.images.len()) as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("scanning {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut reports: Vec<Report> = Vec::new();
    let apparmor = if containers.is_empty() { true } else { tuxpilot_security::host_has_apparmor(engine).await };
    for c in &containers {
        bar.set_message(c.clone());
        reports.push(tuxpilot_security::scan_container_on(engine, c, apparmor).await?);
        bar.inc(1);
    }
    for i in &a.images {
        bar.set_message(i.clone());
        reports.push(
            scan_image(engine, i, &ImageScanOptions { db_dir: db_dir.map(|d| d.as_path()), ..Default::default() })
                .await?,
        );
        bar.inc(1);
    }
    bar.finish_and_clear();
    let today = chrono::Utc::now().date_naive();
    for r in &mut reports {
        if let Some(i) = &ignore {
            r.apply_ignores(i, today);
        }
        if let Some(level) = a.severity {
            r.filter_severity(level);
        }
    }

    match ui.format {
        Format::Sarif => ui.print_json(&sarif(&reports))?,
        Format::Cyclonedx => {
            let boms: Vec<serde_json::Value> = reports.iter().filter(|r| r.kind == "image").map(cyclonedx).collect();
            if boms.len() == 1 {
                ui.print_json(&boms[0])?;
            } else {
                ui.print_json(&boms)?;
            }
        }
        Format::Json | Format::Yaml => ui.print_json(&reports)?,
        Format::Table => print_reports(ui, &reports)?,
    }
    let remaining: usize = reports.iter().map(|r| r.findings.len()).sum();
    Ok(ScanOutcome { exit_code: if remaining > 0 { a.exit_code } else { 0 }, findings: remaining })
}

fn severity_cell(ui: &Ui<'_>, s: Severity) -> Cell {
    match severity_color(ui, s) {
        Some(color) => Cell::new(s).fg(color),
        None => Cell::new(s),
    }
}

/// The longest evidence a table shows; JSON and SARIF keep it whole.
const EVIDENCE_WIDTH: usize = 60;

/// `location = value` on one line, cut to [`EVIDENCE_WIDTH`] characters with `…`.
fn evidence_cell(location: &str, value: &str) -> String {
    let one_line: String = format!("{location} = {value}").split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= EVIDENCE_WIDTH {
        return one_line;
    }
    let cut: String = one_line.chars().take(EVIDENCE_WIDTH - 1).collect();
    format!("{cut}…")
}

/// After several reports: one row per target with its score and findings by severity.
fn print_summary(ui: &mut Ui<'_>, reports: &[Report]) -> anyhow::Result<()> {
    writeln!(ui.out, "\nSummary of {} scanned:", reports.len())?;
    let levels = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];
    let rows = reports
        .iter()
        .map(|r| {
            let mut row = vec![Cell::new(&r.target), Cell::new(r.kind), Cell::new(format!("{}/100", r.score))];
            row.extend(levels.iter().map(|s| severity_count(ui, *s, r.summary.get(s).copied().unwrap_or(0))));
            row
        })
        .collect();
    ui.print_table(&["TARGET", "KIND", "SCORE", "CRITICAL", "HIGH", "MEDIUM", "LOW"], rows)
}

fn severity_count(ui: &Ui<'_>, s: Severity, n: usize) -> Cell {
    match severity_color(ui, s) {
        Some(color) if n > 0 => Cell::new(n).fg(color),
        _ => Cell::new(n),
    }
}

fn severity_color(ui: &Ui<'_>, s: Severity) -> Option<Color> {
    if !ui.color {
        return None;
    }
    match s {
        Severity::Critical => Some(Color::Magenta),
        Severity::High => Some(Color::Red),
        Severity::Medium => Some(Color::Yellow),
        _ => None,
    }
}

fn print_reports(ui: &mut Ui<'_>, reports: &[Report]) -> anyhow::Result<()> {
    for (n, r) in reports.iter().enumerate() {
        if n > 0 {
            writeln!(ui.out)?;
        }
        let os =
            r.os.as_ref()
                .map(|o| format!(" ({})", if o.pretty_name.is_empty() { &o.id } else { &o.pretty_name }))
                .unwrap_or_default();
        writeln!(ui.out, "{} {}{os}: score {}/100", r.kind, r.target, r.score)?;
        let summary: Vec<String> =
            [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Unknown]
                .iter()
                .map(|s| format!("{s}: {}", r.summary.get(s).copied().unwrap_or(0)))
                .collect();
        writeln!(
            ui.out,
            "Total: {} ({}){}",
            r.findings.len(),
            summary.join(", "),
            if r.ignored > 0 { format!(", {} ignored", r.ignored) } else { String::new() }
        )?;
        if !r.findings.is_empty() {
            let rows = r
                .findings
                .iter()
                .map(|f| {
                    vec![
                        Cell::new(&f.id),
                        severity_cell(ui, f.severity),
                        Cell::new(&f.title),
                        Cell::new(evidence_cell(&f.evidence.location, &f.evidence.value)),
                        Cell::new(&f.remediation),
                    ]
                })
                .collect();
            ui.print_table(&["ID", "SEVERITY", "TITLE", "EVIDENCE", "FIX"], rows)?;
        }
        for c in &r.compliance {
            writeln!(ui.out, "{}: {} ({} passed, {} failed)", c.framework, c.status, c.passed, c.failed)?;
        }
        if !r.packages.is_empty() {
            writeln!(ui.out, "{} packages", r.packages.len())?;
        }
        for rec in &r.recommendations {
            writeln!(ui.out, "→ {rec}")?;
        }
        for note in &r.notes {
            writeln!(ui.err, "note: {note}")?;
        }
    }
    if reports.len() > 1 {
        print_summary(ui, reports)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_cut_to_a_readable_width_on_one_line() {
        assert_eq!(evidence_cell("User", "\"\""), "User = \"\"");
        let key = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END", "*".repeat(400));
        let cell = evidence_cell("/etc/key.pem:1", &key);
        assert_eq!(cell.chars().count(), EVIDENCE_WIDTH);
        assert!(cell.ends_with('…') && !cell.contains('\n'), "{cell}");
    }
}
