//! Built-in app templates for well-known images: an `app.yaml` with sensible ports, volumes,
//! health checks, resources and environment, ready for the orchestrator.

use std::fmt::Write;

use crate::inventory::image_base;

/// What TuxPilot knows about running one well-known image.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The service name (`nginx`, `db` is not used: names stay recognisable).
    pub service: &'static str,
    /// The image repository.
    pub image: &'static str,
    /// Its tag.
    pub tag: &'static str,
    /// Published ports: (host, container).
    pub ports: &'static [(u16, u16)],
    /// Named volumes: (name, target).
    pub volumes: &'static [(&'static str, &'static str)],
    /// Environment (values may use `${VAR:-default}`).
    pub environment: &'static [(&'static str, &'static str)],
    /// Health check test (`CMD-SHELL` form), interval seconds, retries, start period seconds.
    pub health: Option<(&'static str, u32, u32, u32)>,
    /// Memory limit and CPUs.
    pub resources: (&'static str, f64),
    /// Command, when the image needs one.
    pub command: &'static [&'static str],
    /// Services of other templates it uses, when they are deployed with it.
    pub uses: &'static [&'static str],
}

const fn t(service: &'static str, image: &'static str, tag: &'static str) -> Template {
    Template {
        service,
        image,
        tag,
        ports: &[],
        volumes: &[],
        environment: &[],
        health: None,
        resources: ("256m", 0.5),
        command: &[],
        uses: &[],
    }
}

/// The built-in templates.
pub fn builtin() -> Vec<Template> {
    vec![
        Template {
            ports: &[(8080, 80)],
            health: Some(("wget -q -O /dev/null http://127.0.0.1/ || exit 1", 5, 5, 5)),
            resources: ("128m", 0.5),
            ..t("nginx", "nginx", "1.27-alpine")
        },
        Template {
            ports: &[(8080, 80)],
            health: Some(("wget -q -O /dev/null http://127.0.0.1/ || exit 1", 5, 5, 5)),
            resources: ("128m", 0.5),
            ..t("httpd", "httpd", "2.4-alpine")
        },
        Template {
            ports: &[(8080, 80)],
            volumes: &[("caddy-data", "/data")],
            health: Some(("wget -q -O /dev/null http://127.0.0.1/ || exit 1", 5, 5, 5)),
            resources: ("128m", 0.5),
            ..t("caddy", "caddy", "2-alpine")
        },
        Template {
            ports: &[(8080, 80), (8081, 8080)],
            command: &["--api.insecure=true", "--ping=true", "--entrypoints.web.address=:80"],
            health: Some(("traefik healthcheck --ping", 5, 5, 5)),
            resources: ("128m", 0.5),
            ..t("traefik", "traefik", "v3.1")
        },
        Template {
            volumes: &[("redis-data", "/data")],
            command: &["redis-server", "--appendonly", "yes"],
            health: Some(("redis-cli ping | grep -q PONG", 5, 5, 5)),
            resources: ("256m", 0.5),
            ..t("redis", "redis", "7-alpine")
        },
        Template {
            health: Some(("echo stats | nc -w 1 127.0.0.1 11211 | grep -q pid", 5, 5, 5)),
            resources: ("128m", 0.5),
            ..t("memcached", "memcached", "1.6-alpine")
        },
        Template {
            volumes: &[("postgres-data", "/var/lib/postgresql/data")],
            environment: &[("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-change-me}"), ("POSTGRES_DB", "app")],
            health: Some(("pg_isready -U postgres", 5, 10, 10)),
            resources: ("512m", 1.0),
            ..t("postgres", "postgres", "16-alpine")
        },
        Template {
            volumes: &[("mysql-data", "/var/lib/mysql")],
            environment: &[("MYSQL_ROOT_PASSWORD", "${MYSQL_ROOT_PASSWORD:-change-me}"), ("MYSQL_DATABASE", "app")],
            health: Some(("mysqladmin ping -h 127.0.0.1 --silent", 5, 10, 30)),
            resources: ("1g", 1.0),
            ..t("mysql", "mysql", "8.4")
        },
        Template {
            volumes: &[("mariadb-data", "/var/lib/mysql")],
            environment: &[
                ("MARIADB_ROOT_PASSWORD", "${MARIADB_ROOT_PASSWORD:-change-me}"),
                ("MARIADB_DATABASE", "app"),
            ],
            health: Some(("healthcheck.sh --connect --innodb_initialized", 5, 10, 20)),
            resources: ("1g", 1.0),
            ..t("mariadb", "mariadb", "11")
        },
        Template {
            volumes: &[("mongo-data", "/data/db")],
            health: Some(("mongosh --quiet --eval 'db.adminCommand(\"ping\").ok' | grep -q 1", 10, 10, 20)),
            resources: ("1g", 1.0),
            ..t("mongo", "mongo", "7")
        },
        Template {
            ports: &[(8080, 80)],
            volumes: &[("wordpress-data", "/var/www/html")],
            environment: &[
                ("WORDPRESS_DB_HOST", "${WORDPRESS_DB_HOST:-mysql}"),
                ("WORDPRESS_DB_USER", "root"),
                ("WORDPRESS_DB_PASSWORD", "${MYSQL_ROOT_PASSWORD:-change-me}"),
                ("WORDPRESS_DB_NAME", "app"),
            ],
            health: Some(("curl -s -o /dev/null http://127.0.0.1/ || exit 1", 10, 10, 20)),
            resources: ("512m", 1.0),
            uses: &["mysql", "mariadb"],
            ..t("wordpress", "wordpress", "6-apache")
        },
        Template {
            ports: &[(3000, 3000)],
            volumes: &[("grafana-data", "/var/lib/grafana")],
            health: Some(("wget -q -O /dev/null http://127.0.0.1:3000/api/health || exit 1", 10, 10, 10)),
            resources: ("256m", 0.5),
            uses: &["prometheus"],
            ..t("grafana", "grafana/grafana", "11.2.0")
        },
        Template {
            ports: &[(9090, 9090)],
            volumes: &[("prometheus-data", "/prometheus")],
            health: Some(("wget -q -O /dev/null http://127.0.0.1:9090/-/healthy || exit 1", 10, 10, 10)),
            resources: ("512m", 0.5),
            ..t("prometheus", "prom/prometheus", "v2.54.1")
        },
        Template {
            ports: &[(15672, 15672)],
            volumes: &[("rabbitmq-data", "/var/lib/rabbitmq")],
            health: Some(("rabbitmq-diagnostics -q ping", 10, 10, 20)),
            resources: ("512m", 1.0),
            ..t("rabbitmq", "rabbitmq", "3-management-alpine")
        },
        Template {
            ports: &[(8080, 8080)],
            resources: ("128m", 0.25),
            uses: &["postgres", "mysql", "mariadb"],
            ..t("adminer", "adminer", "4")
        },
        Template {
            ports: &[(9000, 9000), (9001, 9001)],
            volumes: &[("minio-data", "/data")],
            command: &["server", "/data", "--console-address", ":9001"],
            health: Some(("mc ready local", 10, 10, 10)),
            resources: ("512m", 1.0),
            ..t("minio", "minio/minio", "latest")
        },
        Template {
            ports: &[(9200, 9200)],
            volumes: &[("elasticsearch-data", "/usr/share/elasticsearch/data")],
            environment: &[
                ("discovery.type", "single-node"),
                ("xpack.security.enabled", "false"),
                ("ES_JAVA_OPTS", "-Xms512m -Xmx512m"),
            ],
            health: Some(("curl -fs http://127.0.0.1:9200/_cluster/health || exit 1", 10, 12, 30)),
            resources: ("1g", 1.0),
            ..t("elasticsearch", "elasticsearch", "8.15.0")
        },
        Template {
            ports: &[(8080, 8080)],
            command: &["start-dev"],
            environment: &[
                ("KEYCLOAK_ADMIN", "admin"),
                ("KEYCLOAK_ADMIN_PASSWORD", "${KEYCLOAK_ADMIN_PASSWORD:-change-me}"),
            ],
            resources: ("1g", 1.0),
            ..t("keycloak", "quay.io/keycloak/keycloak", "25.0")
        },
        Template { command: &["sleep", "infinity"], resources: ("64m", 0.25), ..t("busybox", "busybox", "1.36") },
        Template { command: &["sleep", "infinity"], resources: ("64m", 0.25), ..t("alpine", "alpine", "3.20") },
    ]
}

/// The template for an image name (`nginx`, `nginx:1.25` keeps its tag), if there is one.
pub fn find(image: &str) -> Option<Template> {
    let base = image_base(image);
    builtin().into_iter().find(|t| t.service == base || image_base(t.image) == base)
}

/// A generated app: its name, the `app.yaml` text, and notes for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedApp {
    /// The app's name.
    pub name: String,
    /// The `app.yaml`.
    pub yaml: String,
    /// What the user should know (ports moved, images without a template, passwords to set).
    pub notes: Vec<String>,
}

/// Builds an `app.yaml` for images. `port_free` says whether a host port can be published
/// (the template's port moves up to the next free one when it is taken).
pub fn app_for(images: &[String], name: Option<&str>, port_free: &mut dyn FnMut(u16) -> bool) -> GeneratedApp {
    let mut services: Vec<(String, String, Option<Template>)> = Vec::new();
    for image in images {
        let template = find(image);
        let mut service = match &template {
            Some(t) => t.service.to_string(),
            None => sanitize(&image_base(image)),
        };
        if services.iter().any(|(s, _, _)| *s == service) {
            service = format!("{service}-{}", services.len() + 1);
        }
        services.push((service, image.clone(), template));
    }
    let name = if let Some(n) = name.map(sanitize).filter(|n| !n.is_empty()) {
        n
    } else {
        let parts: Vec<&str> = services.iter().map(|(s, _, _)| s.as_str()).take(3).collect();
        let n = sanitize(&parts.join("-"));
        if n.is_empty() { "app".to_string() } else { n }
    };
    let mut notes = Vec::new();
    let mut used_ports: Vec<u16> = Vec::new();
    let mut y = String::new();
    let _ = writeln!(y, "# Generated by `tuxpilot chat` from built-in templates. Edit freely, then:");
    let _ = writeln!(y, "#   tuxpilot containers deploy --file {name}.app.yaml");
    let _ = writeln!(y, "name: {name}");
    let _ = writeln!(y, "version: \"1\"");
    let volumes: Vec<&str> =
        services.iter().filter_map(|(_, _, t)| t.as_ref()).flat_map(|t| t.volumes.iter().map(|(v, _)| *v)).collect();
    if !volumes.is_empty() {
        let _ = writeln!(y, "volumes: [{}]", volumes.join(", "));
    }
    let _ = writeln!(y, "containers:");
    let names: Vec<String> = services.iter().map(|(s, _, _)| s.clone()).collect();
    for (service, image, template) in &services {
        let _ = writeln!(y, "  {service}:");
        match template {
            Some(t) => {
                // A tag the user gave wins over the template's.
                let (repo, tag) = split_tag(image);
                let (repo, tag) = if tag.is_some() && image_base(&repo) == image_base(t.image) {
                    (repo, tag.unwrap_or_default())
                } else {
                    (t.image.to_string(), t.tag.to_string())
                };
                let _ = writeln!(y, "    image: {repo}");
                let _ = writeln!(y, "    tag: {}", quote(&tag));
                if !t.command.is_empty() {
                    let _ = writeln!(
                        y,
                        "    command: [{}]",
                        t.command.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
                    );
                }
                let deps: Vec<&String> = names.iter().filter(|n| t.uses.contains(&n.as_str())).collect();
                if !deps.is_empty() {
                    let _ = writeln!(
                        y,
                        "    depends_on: [{}]",
                        deps.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
                    );
                }
                if !t.ports.is_empty() {
                    let mut ports = Vec::new();
                    for (host, container) in t.ports {
                        let mut p = *host;
                        while used_ports.contains(&p) || !port_free(p) {
                            p = p.saturating_add(1);
                            if p == u16::MAX {
                                break;
                            }
                        }
                        if p != *host {
                            notes.push(format!("{service}: host port {host} is taken; publishing {p} instead"));
                        }
                        used_ports.push(p);
                        ports.push(format!("\"{p}:{container}\""));
                        if *container == t.ports[0].1 {
                            notes.push(format!("{service} will answer on http://localhost:{p}/"));
                        }
                    }
                    let _ = writeln!(y, "    ports: [{}]", ports.join(", "));
                }
                if !t.volumes.is_empty() {
                    let v: Vec<String> = t.volumes.iter().map(|(n, p)| format!("\"{n}:{p}\"")).collect();
                    let _ = writeln!(y, "    volumes: [{}]", v.join(", "));
                }
                if !t.environment.is_empty() {
                    let _ = writeln!(y, "    environment:");
                    for (k, v) in t.environment {
                        let _ = writeln!(y, "      {k}: {}", quote(v));
                        if v.contains("change-me") {
                            notes.push(format!(
                                "{service}: set {} before anything real (default: change-me)",
                                var_of(v)
                            ));
                        }
                    }
                }
                let _ = writeln!(y, "    resources: {{memory: {}, cpu: {}}}", t.resources.0, t.resources.1);
                let _ = writeln!(y, "    restart_policy: unless-stopped");
                if let Some((test, interval, retries, start)) = t.health {
                    let _ = writeln!(y, "    health_check:");
                    let _ = writeln!(y, "      test: {}", quote(test));
                    let _ = writeln!(y, "      interval: {interval}s");
                    let _ = writeln!(y, "      retries: {retries}");
                    let _ = writeln!(y, "      start_period: {start}s");
                }
            }
            None => {
                let (repo, tag) = split_tag(image);
                let _ = writeln!(y, "    image: {repo}");
                let _ = writeln!(y, "    tag: {}", quote(tag.as_deref().unwrap_or("latest")));
                let _ = writeln!(y, "    restart_policy: unless-stopped");
                notes.push(format!(
                    "{service}: no built-in template for {image}; it runs with the image's defaults (add ports, volumes and a health check)"
                ));
            }
        }
    }
    GeneratedApp { name, yaml: y, notes }
}

fn var_of(v: &str) -> &str {
    v.trim_start_matches("${").split(":-").next().unwrap_or(v)
}

/// `repo[:tag]` with a registry port kept in the repo.
fn split_tag(image: &str) -> (String, Option<String>) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let slash = no_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match no_digest[slash..].rfind(':') {
        Some(i) => (no_digest[..slash + i].to_string(), Some(no_digest[slash + i + 1..].to_string())),
        None => (no_digest.to_string(), None),
    }
}

fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    while out.starts_with(['-', '_']) {
        out.remove(0);
    }
    out
}

/// A YAML double-quoted scalar.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_and_redis() {
        let app = app_for(&["nginx".into(), "redis:7.2".into()], None, &mut |p| p != 8080);
        assert_eq!(app.name, "nginx-redis");
        assert!(app.yaml.contains("image: nginx\n    tag: \"1.27-alpine\""), "{}", app.yaml);
        assert!(app.yaml.contains("image: redis\n    tag: \"7.2\""), "{}", app.yaml);
        assert!(app.yaml.contains("ports: [\"8081:80\"]"), "{}", app.yaml);
        assert!(app.notes.iter().any(|n| n.contains("8080 is taken")));
    }

    #[test]
    fn every_template_loads_as_an_app() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let images: Vec<String> = builtin().iter().map(|t| t.service.to_string()).collect();
        let mut free = 20000u16;
        let app = app_for(&images, None, &mut |_| {
            free += 1;
            true
        });
        let path = dir.path().join("app.yaml");
        std::fs::write(&path, &app.yaml)?;
        let loaded = tuxpilot_orchestrator::load(&path, &tuxpilot_orchestrator::LoadAppOptions::default());
        assert!(loaded.is_ok(), "{:?}\n{}", loaded.err(), app.yaml);
        Ok(())
    }
}
