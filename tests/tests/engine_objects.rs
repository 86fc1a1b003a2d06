//! `BollardEngine` against the real Docker Engine: images, networks, volumes, events, system.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tuxpilot_docker::*;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, engine, unique_name};

/// The local registry scripts/dev-engine.sh starts, with the test image pushed to it.
const REGISTRY_IMAGE: &str = "127.0.0.1:5000/tuxpilot-test/busybox:latest";

#[tokio::test]
async fn version_and_info_describe_the_engine() {
    let Some(engine) = engine().await else { return };
    engine.ping().await.unwrap();
    let v = engine.version().await.unwrap();
    assert!(!v.version.is_empty());
    assert!(v.api_version.starts_with("1."));
    assert_eq!(engine.api_version(), v.api_version, "negotiated down to the daemon's API");
    let i = engine.info().await.unwrap();
    assert!(i.ncpu > 0 && i.mem_total > 0);
    assert!(!i.docker_root_dir.is_empty());
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

#[tokio::test]
async fn import_inspect_tag_list_and_remove_an_image() {
    let Some(engine) = engine().await else { return };
    let repo = format!("tuxpilot-test/{}", unique_name("import"));
    let tar = tar_of(&[("hello.txt", b"hi\n"), ("etc/os-release", b"ID=tuxpilot\n")]);
    // Stream the tar in pieces, as a caller with a large root filesystem would.
    let chunks: Vec<std::io::Result<Bytes>> = tar.chunks(1000).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let id = engine
        .import_image(
            ImportSpec {
                repo: repo.clone(),
                tag: Some("v1".into()),
                changes: vec!["CMD [\"/hello\"]".into(), "LABEL made.by=tuxpilot".into()],
                message: Some("test import".into()),
            },
            futures_util::stream::iter(chunks).boxed(),
        )
        .await
        .unwrap();
    assert!(id.starts_with("sha256:"), "{id}");
    let reference = format!("{repo}:v1");
    let d = engine.inspect_image(&reference).await.unwrap();
    assert_eq!(d.id, id);
    assert_eq!(d.cmd, vec!["/hello".to_string()]);
    assert_eq!(d.labels.get("made.by").map(String::as_str), Some("tuxpilot"));
    assert_eq!(d.layers.len(), 1);
    let history = engine.image_history(&reference).await.unwrap();
    assert!(!history.is_empty());

    engine.tag_image(&reference, &repo, "v2").await.unwrap();
    let listed = engine.list_images(false).await.unwrap();
    let mine = listed.iter().find(|i| i.id == id).expect("imported image listed");
    assert!(mine.repo_tags.contains(&format!("{repo}:v2")));

    let removed = engine.remove_image(&format!("{repo}:v2"), false).await.unwrap();
    assert!(removed.iter().any(|r| r.contains("v2")), "{removed:?}");
    let removed = engine.remove_image(&reference, false).await.unwrap();
    assert!(removed.iter().any(|r| r == &id), "{removed:?}");
    assert!(engine.inspect_image(&reference).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn export_streams_a_docker_save_tar() {
    let Some(engine) = engine().await else { return };
    let mut bytes = Vec::new();
    let mut stream = engine.export_image(TEST_IMAGE);
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    let mut archive = tar::Archive::new(&bytes[..]);
    let names: Vec<String> =
        archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|n| n == "manifest.json"), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("layer.tar")), "{names:?}");
}

#[tokio::test]
async fn pull_from_the_local_registry_reports_progress() {
    let Some(engine) = engine().await else { return };
    // A fresh tag of our own, so removing it never disturbs another test.
    let progress: Vec<_> = engine.pull_image(REGISTRY_IMAGE).collect().await;
    let progress: Vec<PullProgress> =
        progress.into_iter().map(|p| p.expect("pull from 127.0.0.1:5000 (run scripts/dev-engine.sh)")).collect();
    assert!(progress.iter().any(|p| p.status.contains("Digest") || p.status.contains("Status")), "{progress:?}");
    let d = engine.inspect_image(REGISTRY_IMAGE).await.unwrap();
    assert_eq!(d.id, engine.inspect_image(TEST_IMAGE).await.unwrap().id);
}

#[tokio::test]
async fn pull_of_an_unreachable_registry_is_an_error() {
    let Some(engine) = engine().await else { return };
    let results: Vec<_> = engine.pull_image("127.0.0.1:1/nothing/here:latest").collect().await;
    let err = results.into_iter().find_map(Result::err).expect("pull must fail");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn networks_and_volumes_lifecycle_with_a_two_network_container() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let labels = BTreeMap::from([(TEST_LABEL.to_string(), "1".to_string())]);
    let front = unique_name("front");
    let back = unique_name("back");
    let vol = unique_name("vol");
    let name = unique_name("twonet");
    cleanup.container(&name);
    cleanup.network(&front);
    cleanup.network(&back);
    cleanup.volume(&vol);

    let front_id = engine
        .create_network(NetworkSpec { name: front.clone(), labels: labels.clone(), ..Default::default() })
        .await
        .unwrap();
    engine
        .create_network(NetworkSpec {
            name: back.clone(),
            internal: true,
            labels: labels.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let v = engine
        .create_volume(VolumeSpec { name: Some(vol.clone()), labels: labels.clone(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(v.name, vol);
    assert_eq!(v.driver, "local");

    let listed = engine.list_networks(Filters::new().with("name", front.clone())).await.unwrap();
    assert_eq!(listed.iter().filter(|n| n.name == front).count(), 1);
    let listed = engine.list_volumes(Filters::new().with("name", vol.clone())).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(engine.inspect_volume(&vol).await.unwrap().labels, labels);

    let spec = ContainerSpec {
        name: Some(name.clone()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sleep".into(), "300".into()]),
        labels: labels.clone(),
        mounts: vec![MountSpec {
            kind: MountKind::Volume,
            source: Some(vol.clone()),
            target: "/data".into(),
            read_only: true,
            no_copy: false,
            propagation: None,
            create_host_path: false,
            tmpfs_size: None,
        }],
        networks: vec![
            NetworkAttachment {
                network: front.clone(),
                aliases: vec!["web".into()],
                ipv4_address: None,
                ipv6_address: None,
            },
            NetworkAttachment {
                network: back.clone(),
                aliases: vec!["api".into()],
                ipv4_address: None,
                ipv6_address: None,
            },
        ],
        ..Default::default()
    };
    let c = engine.create_container(spec).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    let d = engine.inspect_container(&c.id).await.unwrap();
    assert_eq!(d.networks.keys().cloned().collect::<Vec<_>>(), {
        let mut v = vec![front.clone(), back.clone()];
        v.sort();
        v
    });
    assert!(d.networks[&front].aliases.contains(&"web".to_string()));
    assert!(d.networks[&back].aliases.contains(&"api".to_string()));
    assert!(d.networks[&front].ip_address.is_some());
    assert_eq!(d.mounts[0].name.as_deref(), Some(vol.as_str()));
    assert!(!d.mounts[0].rw);

    let n = engine.inspect_network(&front_id).await.unwrap();
    assert_eq!(n.containers.get(&c.id).map(String::as_str), Some(name.as_str()));
    // A network in use cannot go.
    assert!(engine.remove_network(&front).await.is_err());
    engine.disconnect_network(&front, &c.id, true).await.unwrap();
    assert!(!engine.inspect_container(&c.id).await.unwrap().networks.contains_key(&front));

    engine.remove_container(&c.id, RemoveOptions { force: true, volumes: false }).await.unwrap();
    engine.remove_network(&front).await.unwrap();
    engine.remove_network(&back).await.unwrap();
    engine.remove_volume(&vol, false).await.unwrap();
    assert!(engine.inspect_network(&front).await.unwrap_err().is_not_found());
    assert!(engine.inspect_volume(&vol).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn events_report_container_lifecycle() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("events");
    cleanup.container(&name);
    let marker = unique_name("marker");
    let since = chrono::Utc::now().timestamp() - 1;
    let mut events = engine.events(EventFilter {
        since: Some(since),
        until: None,
        filters: Filters::new().with("type", "container").label(format!("events-marker={marker}")),
    });
    let mut spec = ContainerSpec {
        name: Some(name.clone()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["true".into()]),
        ..Default::default()
    };
    spec.labels.insert("events-marker".into(), marker.clone());
    spec.labels.insert(TEST_LABEL.into(), "1".into());
    let c = engine.create_container(spec).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    let mut actions = Vec::new();
    let seen_all = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(e) = events.next().await {
            let e = e.unwrap();
            assert_eq!(e.actor_id, c.id);
            assert_eq!(e.attributes.get("name"), Some(&name));
            actions.push(e.action.clone());
            if e.action == "die" {
                break;
            }
        }
    })
    .await;
    assert!(seen_all.is_ok(), "events so far: {actions:?}");
    assert_eq!(actions.iter().take(2).cloned().collect::<Vec<_>>(), vec!["create".to_string(), "start".to_string()]);
}
