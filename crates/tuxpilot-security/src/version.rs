//! Version ordering of the package managers advisories are written for: Debian (dpkg, via the
//! `debversion` crate: epoch, `~`, revision) and Alpine (apk-tools' `version.c` rules:
//! digits, a letter, `_alpha/_beta/_pre/_rc` below none below `_cvs/_svn/_git/_hg/_p`, `-rN`).

use std::cmp::Ordering;

use crate::packages::PackageKind;

/// Compares two versions of `kind`; `None` when either does not parse.
pub fn compare(kind: PackageKind, a: &str, b: &str) -> Option<Ordering> {
    match kind {
        PackageKind::Deb => {
            let a: debversion::Version = a.parse().ok()?;
            let b: debversion::Version = b.parse().ok()?;
            Some(a.cmp(&b))
        }
        PackageKind::Apk => Some(apk_compare(a, b)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    // Order of variants is the order of kinds when they differ at the same position.
    PreSuffix(u8, u64),
    End,
    Revision(u64),
    PostSuffix(u8, u64),
    Letter(u8),
    Digits(String),
}

fn suffix_rank(s: &str) -> Option<(bool, u8)> {
    Some(match s {
        "alpha" => (true, 0),
        "beta" => (true, 1),
        "pre" => (true, 2),
        "rc" => (true, 3),
        "cvs" => (false, 0),
        "svn" => (false, 1),
        "git" => (false, 2),
        "hg" => (false, 3),
        "p" => (false, 4),
        _ => return None,
    })
}

fn apk_tokens(v: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        &v[start..*i]
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            out.push(Tok::Digits(num(&mut i).to_string()));
        } else if c == b'.' {
            i += 1;
        } else if c == b'_' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
            let n = num(&mut i).parse().unwrap_or(0);
            match suffix_rank(v[start..i.min(b.len())].trim_end_matches(|ch: char| ch.is_ascii_digit())) {
                Some((true, r)) => out.push(Tok::PreSuffix(r, n)),
                Some((false, r)) => out.push(Tok::PostSuffix(r, n)),
                None => out.push(Tok::PostSuffix(255, n)),
            }
        } else if c == b'-' && b.get(i + 1) == Some(&b'r') {
            i += 2;
            out.push(Tok::Revision(num(&mut i).parse().unwrap_or(0)));
        } else if c.is_ascii_lowercase() {
            out.push(Tok::Letter(c));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

fn digits_cmp(a: &str, b: &str, first: bool) -> Ordering {
    // After the first group, a leading zero compares as a string (apk's "fraction" rule).
    if !first && (a.starts_with('0') || b.starts_with('0')) {
        return a.cmp(b);
    }
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Alpine version ordering.
pub fn apk_compare(a: &str, b: &str) -> Ordering {
    let (ta, tb) = (apk_tokens(a), apk_tokens(b));
    let mut first = true;
    for i in 0..ta.len().max(tb.len()) {
        let x = ta.get(i).cloned().unwrap_or(Tok::End);
        let y = tb.get(i).cloned().unwrap_or(Tok::End);
        let o = match (&x, &y) {
            (Tok::Digits(p), Tok::Digits(q)) => digits_cmp(p, q, first),
            // A version with more dotted digits is newer.
            (Tok::Digits(_), _) => Ordering::Greater,
            (_, Tok::Digits(_)) => Ordering::Less,
            _ => x.cmp(&y),
        };
        if matches!(x, Tok::Digits(_)) {
            first = false;
        }
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn debian_ordering() {
        let lt = |a: &str, b: &str| assert_eq!(compare(PackageKind::Deb, a, b), Some(Ordering::Less), "{a} < {b}");
        lt("1.0~rc1", "1.0");
        lt("1.0", "1.0-1");
        lt("1.0-1", "1:0.1");
        lt("2.36.1-8", "2.36.1-8+deb12u1");
        lt("3.0.11-1~deb12u1", "3.0.11-1");
        lt("1.2.3a", "1.2.3b");
        lt("1.9", "1.10");
        assert_eq!(compare(PackageKind::Deb, "0:1.0-1", "1.0-1"), Some(Ordering::Equal));
    }

    #[test]
    fn alpine_ordering() {
        let lt = |a: &str, b: &str| assert_eq!(apk_compare(a, b), Ordering::Less, "{a} < {b}");
        lt("1.2.3_rc1", "1.2.3");
        lt("1.2.3_alpha", "1.2.3_beta");
        lt("1.2.3", "1.2.3_p1");
        lt("1.2.3-r0", "1.2.3-r1");
        lt("1.2.3-r9", "1.2.3-r10");
        lt("1.2.3", "1.2.3a");
        lt("1.2", "1.2.1");
        lt("1.9", "1.10");
        lt("3.1.4-r1", "3.1.4-r5");
        lt("1.2.3_p1-r0", "1.2.4-r0");
        assert_eq!(apk_compare("1.2.3-r0", "1.2.3-r0"), Ordering::Equal);
    }

    /// Orderings apk-tools defines (its documented behaviour, including the odd corners:
    /// leading zeros, letters, stacked suffixes, huge suffix numbers).
    #[test]
    fn alpine_ordering_corner_cases() {
        let cases = "2.34 > 0.1.0_alpha|23_foo > 4_beta|1.0 < 1.0bc|0.1.0_alpha2 > 0.1.0_alpha|1.1 > 1.1_alpha1|\
            1.2.1 > 1.2|1.0.4-r4 < 1.6|2.3.0b-r1 < 2.3.0b-r2|0.12.3 > 0.12|1.2.11 < 1.2.12.1|1.06-r6 < 006|\
            006 > 1.0.0|2.59 < 20050718-r1|3.9.8-r5 > 2.01.01_alpha10|1.0 > 0.99.3.20040818|1.02 < 1.03-r1|\
            4.2.52_p2-r1 < 4.2.52_p4-r2|1.02.07 < 1.02.10-r1|2.18.3-r10 > 1.05-r18|20060720 > 3.0.20060720|\
            0.7.18-r2 < 0.17-r6|2.5.1-r8 < 2.5.1a-r1|20040401 > 2.0.0_rc3-r1|3.0.0-r2 < 021109-r3|\
            0.9.16-r1 < 3.9_pre20060124|1.1.7 < 6b-r7|0.10.0-r1 > 0.10.0|0.10.0 < 0.10.1_rc1|2.0.2 > 1.1a|\
            1.0-r1 > 0.15.1b|0.15.1b-r2 > 0.15.1b|22.7-r1 < 22.7.3-r1|22.7.3-r1 > 22.7|22.7 > 2.1_pre20|\
            2.10.1 > 02.08.01b|3.81 > 1.6d|1.6d > 1.2.07.8|1.2.07.8 < 1.2.12.04|1.2.12.04 < 1.2.12.05|\
            1.07-r1 < 1.07.5|1.07.5 > 1.07|0.1_pre20060810 < 0.1_pre20060817|0.59s-r11 < 0.65|\
            4.20 > 0.20070118|0.20070118 < 0.20070207_rc1|0.20070207_rc1 < 1.0|2.3.30-r2 < 3.7_p1|\
            4.3_p2-r5 < 4.4_p1-r6|4.5_p1-r1 > 4.5_p1|0.9.8c-r1 < 0.9.8d|2.2.3-r2 < 013|013 < 014-r1|\
            0.3.1_rc8 < 22.2|5.7-r3 > 5.1_p4|1.7 < 1.7b|1.8.5 < 1.8.5_p2|\
            2.9.11_pre20051101-r3 > 2.9.11_pre20051101|1.6.8_p12-r1 > 1.6.8_p9-r2|0.9.28-r2 < 0.9.28.1|\
            0.9.28.1 < 087-r1|104-r11 > 104-r9|5.52-r1 > 1.2.5_rc2|2.12r-r4 < 2.12r-r5|7.0.17 < 7.0.174|\
            1.3-r0 < 1.3.1-r0|1.3_pre1-r1 < 1.3.2|1.0_p10-r0 > 1.0_p9-r0|0.1.0_alpha_pre2 < 0.1.0_alpha|\
            1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0|1.2.9.1-r1 > 1.2.9.1|1.0.2-r6 > 1.0.2|\
            2.0.6 = 2.0.6|0.2.0-r1 = 0.2.0-r1";
        for case in cases.split('|') {
            let mut f = case.split_whitespace();
            let (a, op, b) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            let want = match op {
                "<" => Ordering::Less,
                ">" => Ordering::Greater,
                _ => Ordering::Equal,
            };
            assert_eq!(apk_compare(a, b), want, "{case}");
            assert_eq!(apk_compare(b, a), want.reverse(), "{case} (reversed)");
        }
    }

    fn deb_version() -> impl Strategy<Value = String> {
        ("[0-2]", "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(~rc[0-9])?", "[0-9]{1,2}(\\+deb[0-9]{1,2}u[0-9])?")
            .prop_map(|(e, u, r)| format!("{e}:{u}-{r}"))
    }

    fn apk_version() -> impl Strategy<Value = String> {
        ("[1-9][0-9]{0,2}(\\.[1-9][0-9]{0,2}){0,3}", "[a-z]?", "(_(rc|alpha|beta|pre|p|git)[0-9]?)?", "(-r[0-9]{1,2})?")
            .prop_map(|(a, l, s, r)| format!("{a}{l}{s}{r}"))
    }

    proptest! {
        #[test]
        fn deb_is_a_total_order(a in deb_version(), b in deb_version(), c in deb_version()) {
            let cmp = |x: &str, y: &str| compare(PackageKind::Deb, x, y).unwrap();
            prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
            prop_assert_eq!(cmp(&a, &a), Ordering::Equal);
            if cmp(&a, &b) != Ordering::Greater && cmp(&b, &c) != Ordering::Greater {
                prop_assert_ne!(cmp(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn apk_is_a_total_order(a in apk_version(), b in apk_version(), c in apk_version()) {
            prop_assert_eq!(apk_compare(&a, &b), apk_compare(&b, &a).reverse());
            prop_assert_eq!(apk_compare(&a, &a), Ordering::Equal);
            if apk_compare(&a, &b) != Ordering::Greater && apk_compare(&b, &c) != Ordering::Greater {
                prop_assert_ne!(apk_compare(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn any_input_compares_without_panicking(a in "\\PC{0,24}", b in "\\PC{0,24}") {
            let _ = apk_compare(&a, &b);
            let _ = compare(PackageKind::Deb, &a, &b);
            prop_assert_eq!(apk_compare(&a, &a), Ordering::Equal);
        }

        #[test]
        fn apk_revision_bumps_order(base in "[1-9](\\.[0-9]){0,2}", r in 0u32..50) {
            let a = format!("{base}-r{r}");
            let b = format!("{base}-r{}", r + 1);
            prop_assert_eq!(apk_compare(&a, &b), Ordering::Less);
        }
    }
}
