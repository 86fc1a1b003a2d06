#!/usr/bin/env bash
# Bring up a real Docker Engine for TuxPilot's tests, or reuse the one that is running.
#
#   scripts/dev-engine.sh          ensure engine + local test images (idempotent)
#   scripts/dev-engine.sh --status say what is there, change nothing
#
# What it does, in order, skipping every step that is already done:
#   1. installs Debian's docker.io, busybox-static and docker-compose (root only, apt-get);
#   2. starts dockerd in the background (log: /var/log/tuxpilot-dockerd.log) unless one answers;
#   3. waits until `docker version` answers (60 s at most);
#   4. builds the local test image `tuxpilot-test/busybox:latest` from the host's static busybox
#      with `docker import` (no registry is reachable here: nothing is pulled);
#   5. starts Debian's docker-registry on 127.0.0.1:5000 (no auth, scripts/registry-config.yml)
#      and pushes the test image there as `127.0.0.1:5000/tuxpilot-test/busybox:latest`;
#   6. installs PyPI's kubernetes-validate (Kubernetes' schemas, offline) for the export tests,
#      and PyPI's mcp (the Python MCP SDK, a real client) for the `tuxpilot mcp` tests;
#   7. installs Docker Compose v2 (the Go one) as the docker CLI plugin, from Debian trixie's
#      `docker-compose` package: a separate sources file with its own lists and cache (the
#      system's apt sources are left as they are), the archive URI taken from the system's own
#      sources, `apt-get download`, `dpkg-deb -x`, and the plugin copied to
#      /usr/local/lib/docker/cli-plugins/. docker-compose 1.29 (bookworm's) stays as it is.
#
# Every step says what it did. Exit code 0 means the engine answers and the test image exists.
set -euo pipefail

TEST_IMAGE="${TUXPILOT_TEST_IMAGE:-tuxpilot-test/busybox:latest}"
DOCKERD_LOG="${TUXPILOT_DOCKERD_LOG:-/var/log/tuxpilot-dockerd.log}"
PACKAGES=(docker.io busybox-static docker-compose docker-registry)
REGISTRY=127.0.0.1:5000
REGISTRY_LOG="${TUXPILOT_REGISTRY_LOG:-/var/log/tuxpilot-registry.log}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf 'dev-engine: %s\n' "$*"; }
die() { printf 'dev-engine: error: %s\n' "$*" >&2; exit 1; }

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

status() {
  if engine_answers; then
    say "engine answers: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
  else
    say "no engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
  fi
  if engine_answers && docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    say "test image $TEST_IMAGE present"
  else
    say "test image $TEST_IMAGE absent"
  fi
}

if [[ "${1:-}" == "--status" ]]; then status; exit 0; fi

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  if ((${#missing[@]} == 0)); then
    say "packages present (${PACKAGES[*]})"
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run this script as root or install them: apt-get install -y ${missing[*]}"
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  say "installed ${missing[*]}"
}

start_daemon() {
  if engine_answers; then
    say "reusing the running engine ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'))"
    return
  fi
  if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != unix:///var/run/docker.sock ]]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"
  fi
  [[ $(id -u) -eq 0 ]] || die "no engine answers and starting dockerd needs root"
  if pgrep -x dockerd >/dev/null 2>&1; then
    say "dockerd is running but not answering yet; waiting for it"
  else
    # A stale pid file from a killed daemon stops the next one from starting.
    rm -f /var/run/docker.pid /run/docker.pid
    pgrep -x containerd >/dev/null 2>&1 || rm -f /run/containerd/containerd.sock
    say "starting dockerd (log: $DOCKERD_LOG)"
    nohup setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    if engine_answers; then
      say "engine answers ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'))"
      return
    fi
    sleep 0.5
  done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer within 60 s; see $DOCKERD_LOG"
}

build_test_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    say "test image $TEST_IMAGE present"
    return
  fi
  [[ -x /bin/busybox ]] || die "/bin/busybox missing; install busybox-static"
  local root
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root"/{bin,etc,tmp,var/www,root,proc,sys,dev}
  cp /bin/busybox "$root/bin/busybox"
  # One symlink per applet, so `sh`, `sleep`, `httpd`, `nc`… exist as commands.
  for applet in $("$root/bin/busybox" --list); do
    [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hello from tuxpilot\n' >"$root/var/www/index.html"
  chmod 1777 "$root/tmp"
  say "building $TEST_IMAGE from /bin/busybox with docker import"
  tar -C "$root" -c . | docker import \
    -c 'CMD ["sh"]' -c 'ENV PATH=/bin' -c 'WORKDIR /' \
    -m 'tuxpilot test image: static busybox' - "$TEST_IMAGE" >/dev/null
  say "built $TEST_IMAGE"
}

registry_answers() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/5000 && printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3" 2>/dev/null; }

start_registry() {
  if registry_answers; then
    say "reusing the local registry at $REGISTRY"
  else
    mkdir -p /var/lib/tuxpilot-registry
    say "starting docker-registry on $REGISTRY (log: $REGISTRY_LOG)"
    nohup setsid docker-registry serve "$HERE/registry-config.yml" >>"$REGISTRY_LOG" 2>&1 </dev/null &
    for _ in $(seq 1 60); do registry_answers && break; sleep 0.5; done
    registry_answers || die "docker-registry did not answer on $REGISTRY; see $REGISTRY_LOG"
  fi
  local remote="$REGISTRY/${TEST_IMAGE}"
  if docker manifest inspect --insecure "$remote" >/dev/null 2>&1; then
    say "test image present in the local registry ($remote)"
  else
    docker tag "$TEST_IMAGE" "$remote"
    docker push "$remote" >/dev/null
    say "pushed $remote"
  fi
}

install_peers() {
  install_python_mcp
  if command -v kubernetes-validate >/dev/null 2>&1; then
    say "kubernetes-validate present ($(kubernetes-validate --version 2>&1 | tail -1))"
    return
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 missing; kubernetes-validate needs it"
  say "installing kubernetes-validate from PyPI"
  python3 -m pip install --quiet kubernetes-validate >/dev/null 2>&1 \
    || python3 -m pip install --quiet --break-system-packages kubernetes-validate >/dev/null \
    || die "cannot install kubernetes-validate (python3 -m pip install kubernetes-validate)"
  command -v kubernetes-validate >/dev/null 2>&1 || die "kubernetes-validate installed but not on PATH"
  say "installed kubernetes-validate"
}

# PyPI's `mcp` (the official Python MCP SDK): a real MCP client for the `tuxpilot mcp` tests.
install_python_mcp() {
  if python3 -c 'import mcp.client.stdio' >/dev/null 2>&1; then
    say "python mcp SDK present"
    return
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 missing; the MCP client tests need it"
  say "installing the python mcp SDK from PyPI"
  python3 -m pip install --quiet mcp >/dev/null 2>&1 \
    || python3 -m pip install --quiet --break-system-packages mcp >/dev/null \
    || die "cannot install the python mcp SDK (python3 -m pip install mcp)"
  say "installed the python mcp SDK"
}

COMPOSE_V2_DIR=/var/cache/tuxpilot-compose-v2
COMPOSE_V2_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose

# The Debian archive URI from the system's own apt sources (deb822 or one-line form).
debian_uri() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -1)
  fi
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  printf '%s' "$uri"
}

install_compose_v2() {
  if docker compose version >/dev/null 2>&1; then
    say "docker compose v2 present ($(docker compose version 2>/dev/null))"
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "docker compose v2 missing; run this script as root to install it"
  local uri
  uri=$(debian_uri)
  [[ -n "$uri" ]] || die "no Debian archive in the system's apt sources; cannot fetch trixie's docker-compose"
  say "installing docker compose v2 from trixie's docker-compose package ($uri)"
  local d=$COMPOSE_V2_DIR
  rm -rf "$d/x" "$d"/*.deb
  mkdir -p "$d/parts" "$d/lists/partial" "$d/cache/archives/partial" "$d/x"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$d/parts/trixie.sources"
  local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$d/parts"
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq >/dev/null || die "apt-get update of the trixie sources failed"
  (cd "$d" && apt-get "${opts[@]}" download -qq docker-compose >/dev/null) || die "apt-get download docker-compose (trixie) failed"
  dpkg-deb -x "$d"/docker-compose_*.deb "$d/x"
  [[ -x "$d/x/usr/libexec/docker/cli-plugins/docker-compose" ]] || die "the trixie package holds no cli-plugins/docker-compose"
  mkdir -p "$(dirname "$COMPOSE_V2_PLUGIN")"
  install -m 0755 "$d/x/usr/libexec/docker/cli-plugins/docker-compose" "$COMPOSE_V2_PLUGIN"
  docker compose version >/dev/null 2>&1 || die "docker compose does not run after installing $COMPOSE_V2_PLUGIN"
  say "installed $(docker compose version) at $COMPOSE_V2_PLUGIN"
}

install_packages
start_daemon
build_test_image
start_registry
install_peers
install_compose_v2
status
