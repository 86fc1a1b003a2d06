//! Docker's unit syntax for sizes and CPUs, as `docker run` and Compose parse them.

/// Parses a byte size the way Docker does (go-units `RAMInBytes`): a number with an optional
/// binary suffix `b`, `k`, `m`, `g`, `t`, `p` (any case, optionally followed by `b`/`ib`).
/// `512m` is 512 MiB. A plain number is bytes.
pub fn parse_bytes(input: &str) -> Result<i64, String> {
    let s = input.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() {
        return Err(format!("invalid size `{input}`: expected a number with an optional unit, e.g. 512m or 2g"));
    }
    let value: f64 = num.parse().map_err(|_| format!("invalid size `{input}`: `{num}` is not a number"))?;
    let suffix = suffix.trim().to_ascii_lowercase();
    let unit: f64 = match suffix.trim_end_matches("ib").trim_end_matches('b') {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => {
            return Err(format!("invalid size `{input}`: unknown unit `{suffix}` (use b, k, m, g, t or p)"));
        }
    };
    let bytes = value * unit;
    if !bytes.is_finite() || bytes >= i64::MAX as f64 {
        return Err(format!("invalid size `{input}`: too large"));
    }
    Ok(bytes as i64)
}

/// Parses `--cpus 1.5` into nano-CPUs (1.5 → 1 500 000 000).
pub fn parse_cpus(input: &str) -> Result<i64, String> {
    let v: f64 =
        input.trim().parse().map_err(|_| format!("invalid CPU count `{input}`: expected a number such as 0.5 or 2"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("invalid CPU count `{input}`: must be zero or more"));
    }
    let nanos = (v * 1e9).round();
    if nanos >= i64::MAX as f64 {
        return Err(format!("invalid CPU count `{input}`: too large"));
    }
    Ok(nanos as i64)
}

/// Formats bytes the way `docker stats` does: binary units with up to 4 significant digits
/// (`1.953GiB`, `512MiB`, `0B`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.4}");
    // Keep 4 significant digits like go-units' HumanSize ("%.4g").
    let digits_before = text.find('.').unwrap_or(text.len());
    let keep = if digits_before >= 4 { digits_before } else { 5 };
    let mut out: String = text.chars().take(keep).collect();
    if out.contains('.') {
        out = out.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{out}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_binary_like_docker() {
        assert_eq!(parse_bytes("512m"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_bytes("512M"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("1.5k"), Ok(1536));
        assert_eq!(parse_bytes("100"), Ok(100));
        assert_eq!(parse_bytes("64mb"), Ok(64 << 20));
    }

    #[test]
    fn bad_sizes_say_why() {
        assert!(parse_bytes("").unwrap_err().contains("expected a number"));
        assert!(parse_bytes("12x").unwrap_err().contains("unknown unit"));
        assert!(parse_bytes("m").is_err());
        assert!(parse_bytes("99999999999p").unwrap_err().contains("too large"));
    }

    #[test]
    fn cpus_become_nanocpus() {
        assert_eq!(parse_cpus("1.5"), Ok(1_500_000_000));
        assert_eq!(parse_cpus("0.25"), Ok(250_000_000));
        assert!(parse_cpus("-1").is_err());
        assert!(parse_cpus("two").is_err());
    }

    #[test]
    fn bytes_format_like_docker_stats() {
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(512 * 1024 * 1024), "512MiB");
        assert_eq!(format_bytes(2_097_152_000), "1.953GiB");
        assert_eq!(format_bytes(1536), "1.5KiB");
    }
}
