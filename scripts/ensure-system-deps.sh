#!/usr/bin/env bash
# Installs the system packages Kino needs when they are missing (Debian/Ubuntu, as root or with sudo).
# Usage: scripts/ensure-system-deps.sh [ffmpeg] [postgres] [chromium] [nginx] [wrk] [pocketsphinx] [ceph]   (no argument: ffmpeg)
# pocketsphinx: the US English model ffmpeg's asr filter reads (automatic captions), and espeak-ng,
# which the tests and the word error rate bench use to speak known text.
set -euo pipefail

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(ffmpeg)

missing=()
for dep in "${want[@]}"; do
  case "$dep" in
    ffmpeg) command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg) ;;
    postgres) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql) ;;
    # pg_dump and pg_restore for `kino backup` / `kino restore` on PostgreSQL.
    pgclient) command -v pg_dump >/dev/null && command -v pg_restore >/dev/null || missing+=(postgresql-client) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    nginx)
      command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
      # The stream (TCP) module: the cluster balances RTMP publishers over the live processes.
      [ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream) ;;
    wrk) command -v wrk >/dev/null || missing+=(wrk) ;;
    pocketsphinx)
      [ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
      command -v espeak-ng >/dev/null || missing+=(espeak-ng) ;;
    # A throwaway Ceph cluster for the S3 tests on a real implementation (npm run test:ceph): a
    # monitor, an OSD and radosgw; ceph-base (monmaptool) and ceph-common (ceph, radosgw-admin) come with them.
    ceph)
      command -v ceph-mon >/dev/null || missing+=(ceph-mon)
      command -v ceph-osd >/dev/null || missing+=(ceph-osd)
      command -v radosgw >/dev/null || missing+=(radosgw) ;;
    *) echo "ensure-system-deps: unknown dependency '$dep'" >&2; exit 2 ;;
  esac
done
# Media tools run as this unprivileged account when Kino runs as root (KINO_MEDIA_USER; see
# packages/server/src/processing/media-sandbox.ts). Created once; nothing to do for other users.
ensure_media_user() {
  local user="${KINO_MEDIA_USER-kino-media}"
  [ -n "$user" ] && [ "$(id -u)" -eq 0 ] || return 0
  id -u "$user" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
    echo "ensure-system-deps: could not create the $user account; media tools will run as root" >&2
}
for dep in "${want[@]}"; do [ "$dep" = ffmpeg ] && ensure_media_user; done

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-system-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
command -v apt-get >/dev/null || { echo "ensure-system-deps: install these yourself: ${missing[*]}" >&2; exit 1; }

echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A lock held by another apt run (a parallel test worker) is waited for rather than failed on.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
