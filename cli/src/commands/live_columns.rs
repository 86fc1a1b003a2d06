//! The live view's table columns (pure): which fit the terminal's width, and each one's text.
//! NAME is always kept; the others are dropped from the least needed up until the table fits,
//! so 80 columns show NAME, STATUS, HEALTH and the main numbers.

use ratatui::layout::Constraint;
use tuxpilot_docker::units::format_bytes;
use tuxpilot_monitor::Observation;

/// A column of the live table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The container's name (never dropped).
    Name,
    /// CPU %.
    Cpu,
    /// MEM %.
    MemPercent,
    /// The engine's status, without the health suffix (`Up 3 minutes`).
    Status,
    /// healthy / unhealthy / starting / -.
    Health,
    /// MEM USAGE / LIMIT.
    Memory,
    /// PIDS.
    Pids,
    /// NET I/O.
    Net,
    /// BLOCK I/O.
    Block,
    /// IMAGE.
    Image,
}

/// Most needed first: the last ones go first when the terminal is narrow.
const BY_NEED: [Column; 10] = [
    Column::Name,
    Column::Cpu,
    Column::MemPercent,
    Column::Status,
    Column::Health,
    Column::Memory,
    Column::Pids,
    Column::Net,
    Column::Block,
    Column::Image,
];

/// The narrowest NAME column, and the widest it asks for before other columns are dropped for
/// it (longer names are cut).
const NAME_MIN: u16 = 16;
const NAME_MAX: u16 = 40;

impl Column {
    /// The header.
    pub fn title(self) -> &'static str {
        match self {
            Self::Name => "NAME",
            Self::Cpu => "CPU %",
            Self::MemPercent => "MEM %",
            Self::Status => "STATUS",
            Self::Health => "HEALTH",
            Self::Memory => "MEM USAGE / LIMIT",
            Self::Pids => "PIDS",
            Self::Net => "NET I/O",
            Self::Block => "BLOCK I/O",
            Self::Image => "IMAGE",
        }
    }

    /// Its width (NAME's is the longest name's, given to [`fitting`]).
    fn width(self) -> u16 {
        match self {
            Self::Name => NAME_MIN,
            Self::Cpu | Self::MemPercent => 7,
            Self::Status => 14,
            Self::Health => 9,
            Self::Memory => 19,
            Self::Pids => 5,
            Self::Net | Self::Block => 19,
            Self::Image => 24,
        }
    }

    /// The cell's text for one container.
    pub fn text(self, o: &Observation) -> String {
        let m = &o.metrics;
        match self {
            Self::Name => m.name.clone(),
            Self::Cpu => format!("{:.2}%", m.cpu_percent),
            Self::MemPercent => format!("{:.2}%", m.memory_percent),
            Self::Status => status_text(&o.status),
            Self::Health => match super::compose_ps::health(&o.status) {
                "" => "-".to_string(),
                h => h.to_string(),
            },
            Self::Memory => format!("{} / {}", format_bytes(m.memory_used_bytes), format_bytes(m.memory_limit_bytes)),
            Self::Pids => m.pids.to_string(),
            Self::Net => format!("{} / {}", format_bytes(m.net_rx_bytes), format_bytes(m.net_tx_bytes)),
            Self::Block => format!("{} / {}", format_bytes(m.block_read_bytes), format_bytes(m.block_write_bytes)),
            Self::Image => o.image.clone(),
        }
    }
}

/// The status without its health suffix (HEALTH has its own column).
fn status_text(status: &str) -> String {
    let mut s = status.to_string();
    for suffix in [" (healthy)", " (unhealthy)", " (health: starting)"] {
        s = s.replace(suffix, "");
    }
    s
}

/// The columns that fit `width` cells (one cell between columns), NAME first, with their
/// constraints (NAME fills what is left). `longest_name` is the longest name shown: other
/// columns are dropped so that names up to 40 characters show whole.
pub fn fitting(width: u16, longest_name: usize) -> Vec<(Column, Constraint)> {
    let name = u16::try_from(longest_name).unwrap_or(NAME_MAX).clamp(NAME_MIN, NAME_MAX);
    let mut cols: Vec<Column> = BY_NEED.to_vec();
    let total = |cols: &[Column]| -> u16 {
        cols.iter().map(|c| if *c == Column::Name { name } else { c.width() }).sum::<u16>()
            + u16::try_from(cols.len().saturating_sub(1)).unwrap_or(0)
    };
    while cols.len() > 1 && total(&cols) > width {
        cols.pop();
    }
    // Shown in the usual order (docker stats's, then the extras), not by need.
    let order = |c: &Column| match c {
        Column::Name => 0,
        Column::Status => 1,
        Column::Health => 2,
        Column::Cpu => 3,
        Column::Memory => 4,
        Column::MemPercent => 5,
        Column::Net => 6,
        Column::Block => 7,
        Column::Pids => 8,
        Column::Image => 9,
    };
    cols.sort_by_key(order);
    cols.into_iter()
        .map(|c| (c, if c == Column::Name { Constraint::Min(NAME_MIN) } else { Constraint::Length(c.width()) }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(width: u16) -> Vec<&'static str> {
        fitting(width, 10).iter().map(|(c, _)| c.title()).collect()
    }

    #[test]
    fn narrow_terminals_keep_name_status_and_health() {
        assert_eq!(titles(80), ["NAME", "STATUS", "HEALTH", "CPU %", "MEM USAGE / LIMIT", "MEM %"]);
        assert_eq!(titles(40), ["NAME", "CPU %", "MEM %"]);
        assert_eq!(titles(10), ["NAME"], "NAME is never dropped");
        let wide = titles(200);
        assert_eq!(wide.len(), 10, "{wide:?}");
        assert_eq!(wide.last(), Some(&"IMAGE"));
        // A long name: a column goes so that it shows whole.
        let long: Vec<&str> = fitting(80, 28).iter().map(|(c, _)| c.title()).collect();
        assert_eq!(long, ["NAME", "STATUS", "HEALTH", "CPU %", "MEM %"]);
        // Each set fits its width.
        for w in [40u16, 60, 80, 100, 120, 160] {
            let cols = fitting(w, 10);
            let used: u16 = cols.iter().map(|(c, _)| c.width()).sum::<u16>() + cols.len() as u16 - 1;
            assert!(used <= w, "{w}: {used}");
        }
    }

    #[test]
    fn status_and_health_are_read_apart() {
        assert_eq!(status_text("Up 3 minutes (healthy)"), "Up 3 minutes");
        assert_eq!(status_text("Up 1 second (health: starting)"), "Up 1 second");
        assert_eq!(status_text("Restarting (1) 2 seconds ago"), "Restarting (1) 2 seconds ago");
    }
}
