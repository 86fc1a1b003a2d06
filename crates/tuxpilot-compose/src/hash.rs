//! The config hash `tuxpilot compose up` puts on containers (`com.docker.compose.config-hash`)
//! to decide whether a service must be recreated.
//!
//! Like compose's, it is the SHA-256 of the service's canonical JSON with the attributes that do
//! not change a container cleared: `build`, `pull_policy`, `scale`, `deploy.replicas`,
//! `depends_on` and `profiles`. The JSON is TuxPilot's own, so the value differs from the one
//! `docker compose` computes for the same service; see docs/compose.md.

use sha2::{Digest, Sha256};

use crate::model::Service;

/// The config hash of a service, as lowercase hex.
pub fn service_hash(service: &Service) -> String {
    let mut s = service.clone();
    s.build = None;
    s.pull_policy = None;
    s.scale = None;
    s.depends_on.clear();
    s.profiles.clear();
    if let Some(d) = &mut s.deploy {
        d.replicas = None;
    }
    // Serializing a struct of plain data to JSON cannot fail; an empty string would only make
    // every hash equal, which recreates rather than loses anything.
    let json = serde_json::to_vec(&s).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_and_dependencies_do_not_change_the_hash_but_images_do() {
        let a = Service { image: Some("nginx".into()), ..Default::default() };
        let mut b = a.clone();
        b.scale = Some(3);
        b.depends_on.insert("db".into(), crate::model::Dependency::started());
        b.profiles.push("debug".into());
        assert_eq!(service_hash(&a), service_hash(&b));
        let mut c = a.clone();
        c.image = Some("nginx:2".into());
        assert_ne!(service_hash(&a), service_hash(&c));
        assert_eq!(service_hash(&a).len(), 64);
    }
}
