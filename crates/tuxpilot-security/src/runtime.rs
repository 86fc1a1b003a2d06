//! CIS Docker Benchmark 1.6 §5 (container runtime): every automated check that the engine's
//! inspect data decides, plus 5.7 (sshd) from the process list. Works on created containers
//! too (nothing here needs the container running, except 5.7 and 5.27's health state).

use tuxpilot_docker::{ContainerDetails, ProcessList};

use crate::finding::{Category, Check, Evidence, Finding, Severity};

/// Capabilities the engine grants by default (CIS 5.4 ignores these in `CapAdd`).
const DEFAULT_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Host directories CIS 5.6 calls sensitive.
const SENSITIVE: &[&str] = &["/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"];

struct Rule {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    remediation: &'static str,
    nist: &'static [&'static str],
}

macro_rules! rule {
    ($id:literal, $title:literal, $sev:ident, $fix:literal, [$($n:literal),*]) => {
        Rule { id: $id, title: $title, severity: Severity::$sev, remediation: $fix, nist: &[$($n),*] }
    };
}

const R5_2: Rule = rule!(
    "CIS-5.2",
    "AppArmor profile not enabled",
    Medium,
    "run with --security-opt apparmor=docker-default (or your own profile)",
    ["4.4.4"]
);
const R5_4: Rule = rule!(
    "CIS-5.4",
    "Linux kernel capabilities added",
    High,
    "drop --cap-add; add only the single capability needed, with --cap-drop ALL first",
    ["4.4.4"]
);
const R5_5: Rule = rule!(
    "CIS-5.5",
    "Privileged container",
    Critical,
    "remove --privileged; grant specific capabilities or devices instead",
    ["4.4.4"]
);
const R5_6: Rule = rule!(
    "CIS-5.6",
    "Sensitive host directory mounted read-write",
    High,
    "mount it read-only (:ro) or not at all",
    ["4.4.4", "4.5.3"]
);
const R5_7: Rule = rule!(
    "CIS-5.7",
    "sshd running in the container",
    Medium,
    "remove the SSH daemon; use `docker exec` for access",
    ["4.4.4"]
);
const R5_8: Rule =
    rule!("CIS-5.8", "Privileged host port mapped", Medium, "publish on a host port above 1024", ["4.4.2"]);
const R5_10: Rule = rule!(
    "CIS-5.10",
    "Host network namespace shared",
    High,
    "drop --network host; publish the ports needed",
    ["4.4.2"]
);
const R5_11: Rule =
    rule!("CIS-5.11", "No memory limit", Medium, "set --memory (compose: deploy.resources.limits.memory)", ["4.4.4"]);
const R5_12: Rule = rule!("CIS-5.12", "No CPU limit or priority", Medium, "set --cpus or --cpu-shares", ["4.4.4"]);
const R5_13: Rule = rule!(
    "CIS-5.13",
    "Root filesystem is writable",
    Medium,
    "run with --read-only and tmpfs/volumes for the paths that need writes",
    ["4.4.4"]
);
const R5_14: Rule = rule!(
    "CIS-5.14",
    "Published port bound to all host interfaces",
    Medium,
    "bind to a specific address, e.g. -p 127.0.0.1:8080:80",
    ["4.4.2"]
);
const R5_15: Rule =
    rule!("CIS-5.15", "on-failure restart retries above 5", Low, "use --restart on-failure:5", ["4.4.4"]);
const R5_16: Rule = rule!("CIS-5.16", "Host PID namespace shared", High, "drop --pid host", ["4.4.4"]);
const R5_17: Rule = rule!("CIS-5.17", "Host IPC namespace shared", High, "drop --ipc host", ["4.4.4"]);
const R5_18: Rule = rule!(
    "CIS-5.18",
    "Host devices exposed",
    Medium,
    "remove --device unless the container needs the hardware",
    ["4.4.4"]
);
const R5_20: Rule =
    rule!("CIS-5.20", "Mount propagation set to shared", Medium, "use the default private propagation", ["4.4.4"]);
const R5_21: Rule = rule!("CIS-5.21", "Host UTS namespace shared", Medium, "drop --uts host", ["4.4.4"]);
const R5_22: Rule =
    rule!("CIS-5.22", "Default seccomp profile disabled", High, "remove --security-opt seccomp=unconfined", ["4.4.4"]);
const R5_25: Rule =
    rule!("CIS-5.25", "Non-default cgroup parent", Low, "leave --cgroup-parent unset unless required", ["4.4.4"]);
const R5_26: Rule = rule!(
    "CIS-5.26",
    "Privilege escalation not blocked",
    Medium,
    "run with --security-opt no-new-privileges",
    ["4.4.4"]
);
const R5_27: Rule =
    rule!("CIS-5.27", "No health check", Low, "add a HEALTHCHECK to the image or --health-cmd", ["4.4.4"]);
const R5_29: Rule = rule!("CIS-5.29", "No PIDs limit", Medium, "set --pids-limit (e.g. 200)", ["4.4.4"]);
const R5_31: Rule = rule!("CIS-5.31", "Host user namespace shared", Medium, "drop --userns host", ["4.4.4"]);
const R5_32: Rule = rule!(
    "CIS-5.32",
    "Docker socket mounted",
    Critical,
    "do not mount docker.sock; whoever has it controls the host",
    ["4.4.4", "4.5.3"]
);
const R4_1: Rule =
    rule!("CIS-4.1", "Container runs as root", Medium, "set USER in the image or --user to a non-root uid", ["4.4.4"]);

/// The §5 checks of one container: findings for failures, and every check's verdict.
/// `apparmor` says whether the host's kernel has AppArmor (`docker info` security options):
/// without it, 5.2 does not apply and is not checked.
pub fn check_container(
    c: &ContainerDetails,
    processes: Option<&ProcessList>,
    apparmor: bool,
) -> (Vec<Finding>, Vec<Check>) {
    let mut out = Runner { target: c.name.clone(), findings: Vec::new(), checks: Vec::new() };
    let h = &c.host_config;

    if apparmor {
        out.check(
            &R5_2,
            c.apparmor_profile.is_empty() || c.apparmor_profile == "unconfined",
            "AppArmorProfile",
            || format!("{:?}", c.apparmor_profile),
        );
    }
    let added: Vec<String> = h
        .cap_add
        .iter()
        .map(|cap| cap.trim().to_ascii_uppercase().trim_start_matches("CAP_").to_string())
        .filter(|cap| !DEFAULT_CAPS.contains(&cap.as_str()))
        .collect();
    out.check(&R5_4, !added.is_empty(), "HostConfig.CapAdd", || added.join(","));
    out.check(&R5_5, h.privileged, "HostConfig.Privileged", || "true".into());
    let sensitive: Vec<String> = c
        .mounts
        .iter()
        .filter(|m| m.rw && SENSITIVE.contains(&host_dir(&m.source)))
        .map(|m| format!("{}:{}", m.source, m.destination))
        .collect();
    out.check(&R5_6, !sensitive.is_empty(), "Mounts[].Source (RW)", || sensitive.join(", "));
    if let Some(p) = processes {
        let cmd_col =
            p.titles.iter().position(|t| t == "CMD" || t == "COMMAND").unwrap_or(p.titles.len().saturating_sub(1));
        let sshd: Vec<&str> = p
            .processes
            .iter()
            .filter_map(|row| row.get(cmd_col).map(String::as_str))
            // The executable, or the script an interpreter runs (`/bin/sh /usr/sbin/sshd`).
            .filter(|cmd| cmd.split_whitespace().take(2).any(|word| word.rsplit('/').next() == Some("sshd")))
            .collect();
        out.check(&R5_7, !sshd.is_empty(), "top: CMD", || sshd.join("; "));
    }
    // Published ports as mapped (running), else as configured (created; host port 0 = the
    // engine will pick one): (host address, host port, container port).
    let published: Vec<(&str, u16, u16)> = if c.ports.is_empty() {
        h.port_bindings
            .iter()
            .map(|b| {
                let ip = b.host_ip.as_deref().filter(|ip| !ip.is_empty()).unwrap_or("0.0.0.0");
                (ip, b.host_port.unwrap_or(0), b.container_port.port)
            })
            .collect()
    } else {
        c.ports
            .iter()
            .filter_map(|p| Some((p.host_ip.as_deref().unwrap_or("0.0.0.0"), p.host_port?, p.container_port)))
            .collect()
    };
    let low: Vec<String> =
        published.iter().filter(|(_, hp, _)| *hp > 0 && *hp < 1025).map(|(_, hp, cp)| format!("{hp}->{cp}")).collect();
    out.check(&R5_8, !low.is_empty(), "NetworkSettings.Ports[].HostPort", || low.join(", "));
    out.check(&R5_10, h.network_mode == "host", "HostConfig.NetworkMode", || h.network_mode.clone());
    out.check(&R5_11, h.memory == 0, "HostConfig.Memory", || "0".into());
    out.check(
        &R5_12,
        h.cpu_shares == 0 && h.nano_cpus == 0 && h.cpu_quota == 0,
        "HostConfig.CpuShares/NanoCpus",
        || "0".into(),
    );
    out.check(&R5_13, !h.readonly_rootfs, "HostConfig.ReadonlyRootfs", || "false".into());
    let any_ip: Vec<String> = published
        .iter()
        .filter(|(ip, _, _)| *ip == "0.0.0.0" || *ip == "::")
        .map(|(ip, hp, cp)| format!("{ip}:{hp}->{cp}"))
        .collect();
    out.check(&R5_14, !any_ip.is_empty(), "NetworkSettings.Ports[].HostIp", || any_ip.join(", "));
    let retries = match h.restart_policy {
        tuxpilot_docker::RestartPolicy::OnFailure { max_retries } => i64::from(max_retries),
        _ => 0i64,
    };
    out.check(&R5_15, retries > 5, "HostConfig.RestartPolicy.MaximumRetryCount", || retries.to_string());
    out.check(&R5_16, h.pid_mode == "host", "HostConfig.PidMode", || h.pid_mode.clone());
    out.check(&R5_17, h.ipc_mode == "host", "HostConfig.IpcMode", || h.ipc_mode.clone());
    let devices: Vec<String> = h.devices.iter().map(|d| format!("{}:{}", d.host_path, d.container_path)).collect();
    out.check(&R5_18, !devices.is_empty(), "HostConfig.Devices", || devices.join(", "));
    let shared: Vec<String> = c
        .mounts
        .iter()
        .filter(|m| m.propagation.contains("shared"))
        .map(|m| format!("{} ({})", m.destination, m.propagation))
        .collect();
    out.check(&R5_20, !shared.is_empty(), "Mounts[].Propagation", || shared.join(", "));
    out.check(&R5_21, h.uts_mode == "host", "HostConfig.UTSMode", || h.uts_mode.clone());
    let unconfined = h.security_opt.iter().any(|o| o.replace('=', ":") == "seccomp:unconfined");
    out.check(&R5_22, unconfined, "HostConfig.SecurityOpt", || h.security_opt.join(","));
    let parent = h.cgroup_parent.clone().unwrap_or_default();
    out.check(&R5_25, !parent.is_empty(), "HostConfig.CgroupParent", || parent.clone());
    let nnp = h.security_opt.iter().any(|o| {
        let o = o.replace('=', ":");
        o == "no-new-privileges" || o == "no-new-privileges:true"
    });
    out.check(&R5_26, !nnp, "HostConfig.SecurityOpt", || format!("{:?}", h.security_opt));
    let has_health = c.state.health.is_some()
        || c.healthcheck.as_ref().is_some_and(|hc| !hc.test.is_empty() && hc.test[0] != "NONE");
    out.check(&R5_27, !has_health, "State.Health", || "absent".into());
    let pids = h.pids_limit.unwrap_or(0);
    out.check(&R5_29, pids <= 0, "HostConfig.PidsLimit", || pids.to_string());
    out.check(&R5_31, h.userns_mode.contains("host"), "HostConfig.UsernsMode", || h.userns_mode.clone());
    let sock: Vec<String> =
        c.mounts.iter().filter(|m| m.source.contains("docker.sock")).map(|m| m.source.clone()).collect();
    out.check(&R5_32, !sock.is_empty(), "Mounts[].Source", || sock.join(", "));
    let user = c.user.trim();
    let root = user.is_empty() || ["root", "0"].contains(&user.split(':').next().unwrap_or(""));
    out.check(&R4_1, root, "Config.User", || format!("{user:?}"));
    (out.findings, out.checks)
}

/// A host path without trailing slashes (`/` stays `/`).
fn host_dir(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/" } else { trimmed }
}

struct Runner {
    target: String,
    findings: Vec<Finding>,
    checks: Vec<Check>,
}

impl Runner {
    fn check(&mut self, rule: &Rule, failed: bool, field: &str, value: impl FnOnce() -> String) {
        self.checks.push(Check { id: rule.id.into(), title: rule.title.into(), passed: !failed });
        if failed {
            self.findings.push(Finding {
                id: rule.id.into(),
                title: rule.title.into(),
                severity: rule.severity,
                category: Category::Runtime,
                target: self.target.clone(),
                evidence: Evidence { location: field.into(), value: value(), layer: None },
                remediation: rule.remediation.into(),
                nist: rule.nist.iter().map(|s| (*s).to_string()).collect(),
                package: None,
            });
        }
    }
}
