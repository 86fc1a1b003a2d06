//! The local fast path: a container's counters read straight from its cgroup files (v1 and v2,
//! cgroupfs and systemd drivers alike) and its network namespace's `/proc/<pid>/net/dev`,
//! shaped as the engine's stats sample so the same `docker stats` maths applies.
//!
//! The cgroup of a container is found from `/proc/<pid>/cgroup` of its main process, so the
//! driver's naming (`/docker/<id>`, `/system.slice/docker-<id>.scope`, a custom
//! `--cgroup-parent`) does not matter. A path that does not name the container id is refused:
//! that is what a remote engine's pid looks like on this host.
//!
//! Reading is synchronous on purpose: each file is a few microseconds of kernel work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use tuxpilot_docker::{BlkioEntry, CpuCounters, MemoryCounters, NetworkCounters, StatsSample};

/// Why the cgroup path cannot serve a container.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The process's cgroup does not belong to the container (a remote engine, or another
    /// cgroup namespace).
    #[error("process {pid} is not in container {id}'s cgroup ({found}); is the engine on another host?")]
    Foreign {
        /// The pid the engine reported.
        pid: i64,
        /// The container id.
        id: String,
        /// What `/proc/<pid>/cgroup` says.
        found: String,
    },
    /// A file had content this reader does not understand.
    #[error("unexpected content in {path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
}

impl CgroupError {
    /// True when the files vanished (the container stopped between listing and reading).
    pub fn is_gone(&self) -> bool {
        // ENODEV and ESRCH: the cgroup or the process went away while the file was open.
        const ENODEV: i32 = 19;
        const ESRCH: i32 = 3;
        matches!(self, CgroupError::Read { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound || matches!(source.raw_os_error(), Some(ENODEV | ESRCH)))
    }
}

/// Where one container's counters live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupPaths {
    /// cgroup v1: one directory per controller.
    V1 {
        /// `cpuacct` directory.
        cpuacct: PathBuf,
        /// `memory` directory.
        memory: PathBuf,
        /// `blkio` directory.
        blkio: PathBuf,
        /// `pids` directory.
        pids: PathBuf,
        /// The main process (for its network namespace).
        pid: i64,
    },
    /// cgroup v2: one unified directory.
    V2 {
        /// The cgroup directory.
        dir: PathBuf,
        /// The main process.
        pid: i64,
    },
}

/// The cgroup and proc filesystems (real ones by default; other roots for tests).
#[derive(Debug, Clone)]
pub struct CgroupFs {
    sys: PathBuf,
    proc_root: PathBuf,
}

impl Default for CgroupFs {
    fn default() -> Self {
        Self { sys: PathBuf::from("/sys/fs/cgroup"), proc_root: PathBuf::from("/proc") }
    }
}

type Result<T> = std::result::Result<T, CgroupError>;

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CgroupError::Read { path: path.to_path_buf(), source })
}

fn parse_u64(path: &Path, text: &str) -> Result<u64> {
    text.trim().parse().map_err(|_| CgroupError::Parse {
        path: path.to_path_buf(),
        detail: format!("expected a number, found {text:?}"),
    })
}

/// Reads a one-number file.
fn read_u64(path: &Path) -> Result<u64> {
    parse_u64(path, &read(path)?)
}

/// Reads a one-number file that may say `max` (no limit).
fn read_limit(path: &Path) -> Result<Option<u64>> {
    let text = read(path)?;
    if text.trim() == "max" { Ok(None) } else { parse_u64(path, &text).map(Some) }
}

/// `key value` lines (`memory.stat`, `cpu.stat`, `memory.events`).
fn read_flat_keyed(path: &Path) -> Result<BTreeMap<String, u64>> {
    Ok(read(path)?
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect())
}

impl CgroupFs {
    /// Filesystems mounted somewhere else (tests use a temporary tree).
    pub fn with_roots(sys: impl Into<PathBuf>, proc_root: impl Into<PathBuf>) -> Self {
        Self { sys: sys.into(), proc_root: proc_root.into() }
    }

    /// Finds the cgroup of container `id` from its main process `pid`.
    pub fn locate(&self, id: &str, pid: i64) -> Result<CgroupPaths> {
        let file = self.proc_root.join(pid.to_string()).join("cgroup");
        let text = read(&file)?;
        let mut v1: BTreeMap<&str, &str> = BTreeMap::new();
        let mut unified = None;
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(_), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
            if ctrls.is_empty() {
                unified = Some(path);
            } else {
                for c in ctrls.split(',') {
                    v1.insert(c, path);
                }
            }
        }
        let check = |path: &str| {
            if path.contains(id) {
                Ok(())
            } else {
                Err(CgroupError::Foreign { pid, id: id.to_string(), found: path.to_string() })
            }
        };
        let rel = |p: &str| p.trim_start_matches('/').to_string();
        if let (Some(cpu), Some(mem), Some(blk), Some(pids)) =
            (v1.get("cpuacct"), v1.get("memory"), v1.get("blkio"), v1.get("pids"))
        {
            check(mem)?;
            let dir = |ctrl: &str, p: &str| {
                // Controllers mounted together (`cpu,cpuacct`) usually have per-name symlinks.
                let single = self.sys.join(ctrl);
                let base = if single.exists() { single } else { self.sys.join(format!("cpu,{ctrl}")) };
                base.join(rel(p))
            };
            return Ok(CgroupPaths::V1 {
                cpuacct: dir("cpuacct", cpu),
                memory: dir("memory", mem),
                blkio: dir("blkio", blk),
                pids: dir("pids", pids),
                pid,
            });
        }
        match unified {
            Some(path) if self.sys.join("cgroup.controllers").exists() => {
                check(path)?;
                Ok(CgroupPaths::V2 { dir: self.sys.join(rel(path)), pid })
            }
            _ => Err(CgroupError::Parse {
                path: file,
                detail: "no cpuacct/memory/blkio/pids controllers and no cgroup v2 hierarchy".into(),
            }),
        }
    }

    /// Host CPU time in nanoseconds as the engine computes it (first seven fields of the `cpu`
    /// line of `/proc/stat`, in ticks of 1/100 s) and the online CPU count.
    pub fn host_cpu(&self) -> Result<(u64, u32)> {
        let path = self.proc_root.join("stat");
        let text = read(&path)?;
        let mut total = None;
        let mut online = 0u32;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("cpu ") {
                let ticks: u64 = rest.split_whitespace().take(7).filter_map(|f| f.parse::<u64>().ok()).sum();
                total = Some(ticks.saturating_mul(1_000_000_000 / 100));
            } else if line.starts_with("cpu") && line.as_bytes().get(3).is_some_and(u8::is_ascii_digit) {
                online += 1;
            }
        }
        let total = total.ok_or_else(|| CgroupError::Parse { path, detail: "no `cpu` line".into() })?;
        Ok((total, online))
    }

    /// Host memory in bytes (`MemTotal`), the limit the engine reports for unlimited containers.
    pub fn host_memory(&self) -> Result<u64> {
        let path = self.proc_root.join("meminfo");
        let text = read(&path)?;
        text.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| CgroupError::Parse { path, detail: "no MemTotal".into() })
    }

    /// Network counters of container `id`'s namespace through its process `pid`, all
    /// interfaces but `lo` (as the engine's sandbox counters). A pid that no longer belongs to
    /// the container (it restarted and the number was reused) counts as gone.
    pub fn container_network(&self, id: &str, pid: i64) -> Result<BTreeMap<String, NetworkCounters>> {
        let cgroup = self.proc_root.join(pid.to_string()).join("cgroup");
        if !read(&cgroup)?.contains(id) {
            return Err(CgroupError::Read {
                path: cgroup,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "the process left the container"),
            });
        }
        self.network(pid)
    }

    /// Network counters of the process's namespace, all interfaces but `lo` (as the engine's
    /// sandbox counters).
    pub fn network(&self, pid: i64) -> Result<BTreeMap<String, NetworkCounters>> {
        let path = self.proc_root.join(pid.to_string()).join("net/dev");
        let text = read(&path)?;
        let mut out = BTreeMap::new();
        for line in text.lines().skip(2) {
            let Some((name, rest)) = line.split_once(':') else { continue };
            let name = name.trim();
            if name == "lo" {
                continue;
            }
            let f: Vec<u64> = rest.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            if f.len() < 16 {
                return Err(CgroupError::Parse { path, detail: format!("short line for {name}") });
            }
            out.insert(
                name.to_string(),
                NetworkCounters {
                    rx_bytes: f[0],
                    rx_packets: f[1],
                    rx_errors: f[2],
                    rx_dropped: f[3],
                    tx_bytes: f[8],
                    tx_packets: f[9],
                    tx_errors: f[10],
                    tx_dropped: f[11],
                },
            );
        }
        Ok(out)
    }

    /// One sample of the container's counters, with `host_cpu` from [`CgroupFs::host_cpu`]
    /// (read once per sweep). `precpu` is left empty: the caller pairs it with the previous
    /// sample.
    pub fn read(
        &self,
        paths: &CgroupPaths,
        id: &str,
        name: &str,
        (system, online): (u64, u32),
        host_memory: u64,
    ) -> Result<StatsSample> {
        let mut s =
            StatsSample { id: id.to_string(), name: name.to_string(), read: Some(Utc::now()), ..Default::default() };
        match paths {
            CgroupPaths::V1 { cpuacct, memory, blkio, pids, pid } => {
                let percpu_path = cpuacct.join("cpuacct.usage_percpu");
                let percpu = read(&percpu_path)?.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                let stat = read_flat_keyed(&cpuacct.join("cpuacct.stat"))?;
                s.cpu = CpuCounters {
                    total_usage: read_u64(&cpuacct.join("cpuacct.usage"))?,
                    // cpuacct.stat is in USER_HZ ticks.
                    usage_in_usermode: stat.get("user").copied().unwrap_or(0) * 10_000_000,
                    usage_in_kernelmode: stat.get("system").copied().unwrap_or(0) * 10_000_000,
                    percpu_usage: percpu,
                    system_cpu_usage: Some(system),
                    online_cpus: Some(online),
                    ..Default::default()
                };
                let limit = read_u64(&memory.join("memory.limit_in_bytes"))?;
                let mut stats = read_flat_keyed(&memory.join("memory.stat"))?;
                if let Ok(oom) = read_flat_keyed(&memory.join("memory.oom_control"))
                    && let Some(k) = oom.get("oom_kill")
                {
                    stats.insert("oom_kill".into(), *k);
                }
                s.memory = MemoryCounters {
                    usage: Some(read_u64(&memory.join("memory.usage_in_bytes"))?),
                    max_usage: read_u64(&memory.join("memory.max_usage_in_bytes")).ok(),
                    limit: Some(limit.min(host_memory)),
                    failcnt: read_u64(&memory.join("memory.failcnt")).ok(),
                    stats,
                };
                // The CFQ/BFQ files are empty without those schedulers; the throttle ones are
                // always filled (the engine falls back the same way).
                let mut entries = Vec::new();
                for file in ["blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive"] {
                    let p = blkio.join(file);
                    let Ok(text) = read(&p) else { continue };
                    entries = parse_blkio_v1(&text);
                    if !entries.is_empty() {
                        break;
                    }
                }
                s.blkio = entries;
                s.pids_current = Some(read_u64(&pids.join("pids.current"))?);
                s.pids_limit = read_limit(&pids.join("pids.max")).ok().flatten();
                s.networks = self.container_network(id, *pid)?;
            }
            CgroupPaths::V2 { dir, pid } => {
                let stat = read_flat_keyed(&dir.join("cpu.stat"))?;
                let us = |k: &str| stat.get(k).copied().unwrap_or(0) * 1000;
                s.cpu = CpuCounters {
                    total_usage: us("usage_usec"),
                    usage_in_usermode: us("user_usec"),
                    usage_in_kernelmode: us("system_usec"),
                    percpu_usage: Vec::new(),
                    system_cpu_usage: Some(system),
                    online_cpus: Some(online),
                    throttled_periods: stat.get("nr_throttled").copied().unwrap_or(0),
                    throttled_time: us("throttled_usec"),
                };
                let mut stats = read_flat_keyed(&dir.join("memory.stat"))?;
                let events = read_flat_keyed(&dir.join("memory.events")).unwrap_or_default();
                if let Some(k) = events.get("oom_kill") {
                    stats.insert("oom_kill".into(), *k);
                }
                let limit = read_limit(&dir.join("memory.max"))?.unwrap_or(host_memory).min(host_memory);
                s.memory = MemoryCounters {
                    usage: Some(read_u64(&dir.join("memory.current"))?),
                    max_usage: read_u64(&dir.join("memory.peak")).ok(),
                    limit: Some(limit),
                    failcnt: events.get("oom").copied(),
                    stats,
                };
                s.blkio = read(&dir.join("io.stat")).map(|t| parse_io_stat(&t)).unwrap_or_default();
                s.pids_current = Some(read_u64(&dir.join("pids.current"))?);
                s.pids_limit = read_limit(&dir.join("pids.max")).ok().flatten();
                s.networks = self.container_network(id, *pid)?;
            }
        }
        Ok(s)
    }
}

/// `MAJ:MIN Op value` lines of cgroup v1 blkio files (the `Total` lines are dropped).
fn parse_blkio_v1(text: &str) -> Vec<BlkioEntry> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (dev, op, value) = (f.next()?, f.next()?, f.next()?);
            let (major, minor) = dev.split_once(':')?;
            Some(BlkioEntry {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
                op: op.to_string(),
                value: value.parse().ok()?,
            })
        })
        .collect()
}

/// cgroup v2 `io.stat` lines (`MAJ:MIN rbytes=… wbytes=…`) as the engine shapes them: ops
/// `read` and `write`.
fn parse_io_stat(text: &str) -> Vec<BlkioEntry> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let Some((major, minor)) = f.next().and_then(|d| d.split_once(':')) else { continue };
        let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else { continue };
        for kv in f {
            let op = match kv.split_once('=') {
                Some(("rbytes", v)) => ("read", v),
                Some(("wbytes", v)) => ("write", v),
                _ => continue,
            };
            if let Ok(value) = op.1.parse() {
                out.push(BlkioEntry { major, minor, op: op.0.to_string(), value });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    const ID: &str = "2f6e9f04554036ff2cfd460a11c00e6ce0add745f4d5c5aaa6fbbc621b2819db";
    const NETDEV: &str = "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n    lo: 999 9 0 0 0 0 0 0 999 9 0 0 0 0 0 0\n  eth0: 200 2 0 0 0 0 0 0 300 3 0 0 0 0 0 0\n  eth1: 50 1 0 0 0 0 0 0 70 1 0 0 0 0 0 0\n";

    fn proc_common(root: &Path) {
        write(
            root,
            "proc/stat",
            "cpu  100 0 50 800 10 0 0 5 0 0\ncpu0 50 0 25 400 5 0 0 0 0 0\ncpu1 50 0 25 400 5 0 0 0 0 0\nintr 1\n",
        );
        write(root, "proc/meminfo", "MemTotal:        2048000 kB\nMemFree: 1 kB\n");
        write(root, "proc/42/net/dev", NETDEV);
    }

    #[test]
    fn cgroup_v1_cgroupfs_driver() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        proc_common(r);
        let cg = format!("/docker/{ID}");
        write(
            r,
            "proc/42/cgroup",
            &format!(
                "9:name=systemd:{cg}\n8:pids:{cg}\n7:blkio:{cg}\n4:memory:{cg}\n2:cpuacct:{cg}\n1:cpu:{cg}\n0::{cg}\n"
            ),
        );
        let d = |c: &str| format!("sys/{c}/docker/{ID}");
        write(r, &format!("{}/cpuacct.usage", d("cpuacct")), "123456789\n");
        write(r, &format!("{}/cpuacct.usage_percpu", d("cpuacct")), "100000000 23456789\n");
        write(r, &format!("{}/cpuacct.stat", d("cpuacct")), "user 10\nsystem 2\n");
        write(r, &format!("{}/memory.usage_in_bytes", d("memory")), "10485760\n");
        write(r, &format!("{}/memory.limit_in_bytes", d("memory")), "9223372036854771712\n");
        write(r, &format!("{}/memory.stat", d("memory")), "cache 4096\ntotal_inactive_file 1048576\n");
        write(r, &format!("{}/memory.oom_control", d("memory")), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        write(r, &format!("{}/blkio.io_service_bytes_recursive", d("blkio")), "");
        write(
            r,
            &format!("{}/blkio.throttle.io_service_bytes_recursive", d("blkio")),
            "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\nTotal 12288\n",
        );
        write(r, &format!("{}/pids.current", d("pids")), "3\n");
        write(r, &format!("{}/pids.max", d("pids")), "max\n");
        let fs = CgroupFs::with_roots(r.join("sys"), r.join("proc"));
        let paths = fs.locate(ID, 42).unwrap();
        assert!(matches!(paths, CgroupPaths::V1 { .. }));
        let host = fs.host_memory().unwrap();
        assert_eq!(host, 2048000 * 1024);
        let s = fs.read(&paths, ID, "web", fs.host_cpu().unwrap(), host).unwrap();
        assert_eq!(s.cpu.total_usage, 123456789);
        assert_eq!(s.cpu.percpu_usage.len(), 2);
        assert_eq!(s.cpu.online_cpus, Some(2));
        assert_eq!(s.cpu.system_cpu_usage, Some((100 + 50 + 800 + 10) * 10_000_000));
        assert_eq!(s.memory.limit, Some(host), "an unlimited container reports host memory, as the engine does");
        assert_eq!(s.memory.stats["oom_kill"], 2);
        let m = crate::metrics(&s);
        assert_eq!(m.memory_used_bytes, 10485760 - 1048576);
        assert_eq!((m.block_read_bytes, m.block_write_bytes), (4096, 8192));
        assert_eq!((m.net_rx_bytes, m.net_tx_bytes), (250, 370), "all interfaces but lo");
        assert_eq!(m.pids, 3);
        assert_eq!(s.pids_limit, None);

        // The container restarted and pid 42 now belongs to someone else: gone, not misread.
        write(r, "proc/42/cgroup", "4:memory:/user.slice\n");
        let err = fs.read(&paths, ID, "web", fs.host_cpu().unwrap(), host).unwrap_err();
        assert!(err.is_gone(), "{err}");
    }

    #[test]
    fn cgroup_v2_systemd_driver() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        proc_common(r);
        let cg = format!("/system.slice/docker-{ID}.scope");
        write(r, "proc/42/cgroup", &format!("0::{cg}\n"));
        write(r, "sys/cgroup.controllers", "cpu io memory pids\n");
        let d = format!("sys{cg}");
        write(
            r,
            &format!("{d}/cpu.stat"),
            "usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n",
        );
        write(r, &format!("{d}/memory.current"), "20971520\n");
        write(r, &format!("{d}/memory.max"), "104857600\n");
        write(r, &format!("{d}/memory.stat"), "anon 1\nfile 2\ninactive_file 2097152\n");
        write(r, &format!("{d}/memory.events"), "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n");
        write(r, &format!("{d}/io.stat"), "8:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n");
        write(r, &format!("{d}/pids.current"), "5\n");
        write(r, &format!("{d}/pids.max"), "100\n");
        let fs = CgroupFs::with_roots(r.join("sys"), r.join("proc"));
        let paths = fs.locate(ID, 42).unwrap();
        assert_eq!(paths, CgroupPaths::V2 { dir: r.join("sys").join(cg.trim_start_matches('/')), pid: 42 });
        let s = fs.read(&paths, ID, "web", fs.host_cpu().unwrap(), fs.host_memory().unwrap()).unwrap();
        assert_eq!(s.cpu.total_usage, 5_000_000);
        assert_eq!(s.memory.limit, Some(104857600));
        let m = crate::metrics(&s);
        assert_eq!(m.memory_used_bytes, 20971520 - 2097152);
        assert_eq!((m.block_read_bytes, m.block_write_bytes), (1000, 2000));
        assert_eq!(s.pids_limit, Some(100));
        assert_eq!(s.memory.stats["oom_kill"], 1);
    }

    #[test]
    fn a_process_of_another_cgroup_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        proc_common(r);
        write(r, "proc/42/cgroup", "4:memory:/user.slice\n2:cpuacct:/user.slice\n7:blkio:/\n8:pids:/\n");
        let fs = CgroupFs::with_roots(r.join("sys"), r.join("proc"));
        let err = fs.locate(ID, 42).unwrap_err();
        assert!(matches!(err, CgroupError::Foreign { .. }), "{err}");
        let missing = fs.locate(ID, 7).unwrap_err();
        assert!(missing.is_gone(), "{missing}");
    }
}
