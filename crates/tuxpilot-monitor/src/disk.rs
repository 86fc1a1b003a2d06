//! Disk use: the filesystem holding the engine's data root, and containers' writable layers.

use std::path::Path;

use serde::Serialize;

/// Space on one filesystem, counted as `df` does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DiskUsage {
    /// Size in bytes.
    pub total_bytes: u64,
    /// Used bytes (size − free).
    pub used_bytes: u64,
    /// Bytes available to unprivileged users.
    pub available_bytes: u64,
    /// `df`'s Use%: used / (used + available) × 100.
    pub percent: f64,
}

/// The usage of the filesystem holding `path`.
pub fn disk_usage(path: &Path) -> std::io::Result<DiskUsage> {
    let st = rustix::fs::statvfs(path).map_err(std::io::Error::from)?;
    let frsize = st.f_frsize;
    let total = st.f_blocks.saturating_mul(frsize);
    let free = st.f_bfree.saturating_mul(frsize);
    let available = st.f_bavail.saturating_mul(frsize);
    let used = total.saturating_sub(free);
    let denom = used + available;
    Ok(DiskUsage {
        total_bytes: total,
        used_bytes: used,
        available_bytes: available,
        percent: if denom > 0 { used as f64 / denom as f64 * 100.0 } else { 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_df_on_the_temp_dir() {
        let dir = std::env::temp_dir();
        let u = disk_usage(&dir).unwrap();
        assert!(u.total_bytes > 0 && u.used_bytes <= u.total_bytes && u.available_bytes <= u.total_bytes);
        // df -P --block-size=1 prints: Filesystem 1-blocks Used Available Capacity Mounted
        let out = std::process::Command::new("df").args(["-P", "--block-size=1"]).arg(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
        let df_total: u64 = fields[1].parse().unwrap();
        assert_eq!(df_total, u.total_bytes);
        let df_pct: f64 = fields[4].trim_end_matches('%').parse().unwrap();
        // df rounds up; usage may move between the two reads.
        assert!((df_pct - u.percent).abs() <= 2.0, "df {df_pct}% vs {}", u.percent);
    }
}
