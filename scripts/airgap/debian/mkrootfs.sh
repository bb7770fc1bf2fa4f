#!/usr/bin/env bash
# Builds a minimal Debian rootfs (debootstrap --variant=minbase) in TARGET, shaped like the
# official "debian:<suite>-slim" image: apt sources for <suite>, -updates and -security,
# the docker-* apt/dpkg snippets of the official images, docs/man pages/locales dropped,
# apt lists and caches cleaned. Called by ../build-images.sh; the result is imported with
# `docker import`. Everything that defines the base image lives in this file (and in the
# parameters below), so its sha256 is part of the image's recipe label.
#
# usage: mkrootfs.sh TARGET   (env: SUITE MIRROR SECURITY_MIRROR VARIANT ARCH [DEBOOTSTRAP_CACHE])
set -euo pipefail

target="${1:?usage: mkrootfs.sh TARGET}"
: "${SUITE:?}" "${MIRROR:?}" "${SECURITY_MIRROR:?}" "${VARIANT:?}" "${ARCH:?}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

die() { echo "[airgap] ERROR: $*" >&2; exit 1; }
[ -s "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"

cache_args=()
if [ -n "${DEBOOTSTRAP_CACHE:-}" ]; then
	mkdir -p "$DEBOOTSTRAP_CACHE"
	cache_args=(--cache-dir="$DEBOOTSTRAP_CACHE")
fi

if ! debootstrap --variant="$VARIANT" --arch="$ARCH" --force-check-gpg --keyring="$keyring" \
	"${cache_args[@]}" "$SUITE" "$target" "$MIRROR"; then
	[ -f "$target/debootstrap/debootstrap.log" ] && tail -n 20 "$target/debootstrap/debootstrap.log" >&2
	die "debootstrap $SUITE from $MIRROR failed: check access to ${MIRROR%/debian} (apt-get update on the host should work) and free disk space"
fi

# --- apt sources (deb822, as in the official image) ------------------------------------
rm -f "$target/etc/apt/sources.list"
cat > "$target/etc/apt/sources.list.d/debian.sources" <<EOS
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS

# --- container tweaks of the official images (debuerreotype) -----------------------------
cat > "$target/usr/sbin/policy-rc.d" <<'EOS'
#!/bin/sh
# no daemon may be started while building an image
exit 101
EOS
chmod 0755 "$target/usr/sbin/policy-rc.d"

cat > "$target/etc/apt/apt.conf.d/docker-clean" <<'EOS'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOS
echo 'Acquire::Languages "none";' > "$target/etc/apt/apt.conf.d/docker-no-languages"
echo 'Apt::AutoRemove::SuggestsImportant "false";' > "$target/etc/apt/apt.conf.d/docker-autoremove-suggests"
echo 'force-unsafe-io' > "$target/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
# "slim": keep no documentation, man pages or message catalogs (copyright files stay)
cat > "$target/etc/dpkg/dpkg.cfg.d/docker" <<'EOS'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOS

# --- pull in bookworm-updates / bookworm-security ------------------------------------------
cleanup_mounts() {
	if mountpoint -q "$target/proc"; then umount "$target/proc" || umount -l "$target/proc"; fi
}
trap cleanup_mounts EXIT
mount -t proc proc "$target/proc"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
chroot "$target" apt-get update -qq ||
	die "apt-get update inside the new rootfs failed: check access to ${MIRROR%/debian} and ${SECURITY_MIRROR%/debian-security}"
chroot "$target" apt-get dist-upgrade -y -qq -o Dpkg::Options::=--force-confold >/dev/null ||
	die "apt-get dist-upgrade inside the new rootfs failed"
chroot "$target" apt-get clean
cleanup_mounts
trap - EXIT

# --- slim + clean ------------------------------------------------------------------------
find "$target/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
find "$target/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$target"/usr/share/{groff,info,linda,locale,man}/* "$target"/usr/share/lintian/overrides/*
rm -rf "$target"/var/lib/apt/lists/* "$target"/var/cache/apt/*.bin "$target"/var/cache/apt/archives/*.deb \
	"$target"/var/cache/debconf/*-old "$target"/var/lib/dpkg/*-old "$target"/var/cache/ldconfig/aux-cache \
	"$target"/tmp/* "$target"/var/tmp/* "$target"/root/.bash_history "$target/debootstrap"
find "$target/var/log" -type f -delete
# host files debootstrap copied in; docker provides these at run time
: > "$target/etc/resolv.conf"
echo localhost > "$target/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' > "$target/etc/hosts"
if [ -e "$target/etc/machine-id" ]; then : > "$target/etc/machine-id"; fi
