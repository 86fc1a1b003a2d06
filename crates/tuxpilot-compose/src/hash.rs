//! The config hash `tuxpilot compose up` puts on containers (`com.docker.compose.config-hash`)
//! to decide whether a service must be recreated.
//!
//! It is Docker Compose v2's own (`ServiceHash` of compose 2.26): the SHA-256 of the service's
//! JSON as compose-go writes it ([`crate::gojson`]), with `build`, `pull_policy`, `scale` and
//! `deploy.replicas` left out. So neither tool recreates the other's containers on an unchanged
//! `up`; see docs/compose.md.

use crate::model::Service;

/// The config hash of a service, as lowercase hex.
pub fn service_hash(service: &Service) -> String {
    crate::gojson::compose_service_hash(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_do_not_change_the_hash_but_images_do() {
        let a = Service { image: Some("nginx".into()), ..Default::default() };
        let mut b = a.clone();
        b.scale = Some(3);
        assert_eq!(service_hash(&a), service_hash(&b));
        let mut c = a.clone();
        c.image = Some("nginx:2".into());
        assert_ne!(service_hash(&a), service_hash(&c));
        assert_eq!(service_hash(&a).len(), 64);
    }
}
