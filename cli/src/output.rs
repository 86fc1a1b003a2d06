//! Rendering: tables for people (colour only on a terminal), JSON for machines.

use std::io::Write;

use clap::ValueEnum;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable tables (colours only on a terminal).
    Table,
    /// JSON with stable field names.
    Json,
    /// YAML (the default of `compose config`).
    Yaml,
    /// SARIF 2.1.0 (`containers scan` only).
    Sarif,
    /// CycloneDX 1.5 SBOM (`containers scan --image` only).
    Cyclonedx,
}

/// Where and how a command writes its results.
pub struct Ui<'a> {
    /// Output format.
    pub format: Format,
    /// Colours allowed (stdout is a terminal and NO_COLOR is unset).
    pub color: bool,
    /// Results.
    pub out: &'a mut dyn Write,
    /// Diagnostics and a container's stderr.
    pub err: &'a mut dyn Write,
}

impl Ui<'_> {
    /// True when the user asked for a machine format (JSON or YAML).
    pub fn json(&self) -> bool {
        self.format != Format::Table
    }

    /// Writes `value` as pretty JSON (or YAML with `--format yaml`) followed by a newline.
    pub fn print_json<T: Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        if self.format == Format::Yaml {
            write!(self.out, "{}", serde_saphyr::to_string(value)?)?;
            return Ok(());
        }
        serde_json::to_writer_pretty(&mut *self.out, value)?;
        writeln!(self.out)?;
        Ok(())
    }

    /// Writes one compact JSON document on its own line (for streams).
    pub fn print_json_line<T: Serialize + ?Sized>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer(&mut *self.out, value)?;
        writeln!(self.out)?;
        Ok(())
    }

    /// Writes a borderless table like `docker ps`.
    pub fn print_table(&mut self, headers: &[&str], rows: Vec<Vec<Cell>>) -> anyhow::Result<()> {
        let mut table = Table::new();
        table.load_style(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
        if !self.color {
            table.force_no_tty();
        } else {
            table.enforce_styling();
        }
        table.set_header(headers.iter().map(|h| Cell::new(h).add_attribute(comfy_table::Attribute::Bold)));
        for row in rows {
            table.add_row(row);
        }
        for line in table.to_string().lines() {
            writeln!(self.out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// A cell coloured by container state (when colours are on).
    pub fn state_cell(&self, state: &str) -> Cell {
        let cell = Cell::new(state);
        if !self.color {
            return cell;
        }
        match state {
            "running" => cell.fg(Color::Green),
            "exited" | "dead" => cell.fg(Color::Red),
            "paused" | "restarting" | "created" => cell.fg(Color::Yellow),
            _ => cell,
        }
    }
}

/// Whether to colour: stdout is a terminal and `NO_COLOR` is not set.
pub fn colors_enabled() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Shortens an id to the 12 characters `docker ps` shows.
pub fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    id.get(..12).unwrap_or(id)
}

/// "5 minutes ago"-style age.
pub fn ago(t: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (chrono::Utc::now() - t).num_seconds().max(0);
    let (n, unit) = match secs {
        0..60 => (secs, "second"),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        86_400..2_592_000 => (secs / 86_400, "day"),
        2_592_000..31_536_000 => (secs / 2_592_000, "month"),
        _ => (secs / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// A point in time as docker's `--since`/`--until` take it: RFC 3339, a date (`2026-12-07`),
/// Unix seconds (`1765100000`, `1765100000.5`), or an age before now (`10m`, `1h30m`, `2d`).
pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let t = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&chrono::Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(dt) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(dt.and_utc());
    }
    if let Ok(secs) = t.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return chrono::DateTime::from_timestamp(secs.trunc() as i64, (secs.fract() * 1e9) as u32)
            .ok_or_else(|| format!("{t:?} is out of range"));
    }
    match humantime::parse_duration(t) {
        Ok(d) => chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| chrono::Utc::now().checked_sub_signed(d))
            .ok_or_else(|| format!("{t:?} is too long ago")),
        Err(_) => Err(format!(
            "{t:?} is not a time: use RFC 3339 (2026-12-07T10:00:00Z), a date, Unix seconds, or an age (10m, 1h30m)"
        )),
    }
}

/// Asks `question` on `err` and reads the answer from the terminal; only `y`/`yes` agrees.
pub fn ask(err: &mut dyn std::io::Write, question: &str) -> std::io::Result<bool> {
    use std::io::BufRead;
    write!(err, "{question}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
