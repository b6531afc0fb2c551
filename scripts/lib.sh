# Shared by scripts/run and scripts/test: system packages, the virtualenv, Python packages.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian package -> a file that proves it is installed (works without dpkg too).
declare -A PROVES=(
  [python3-venv]="python3-venv"
  [libpango-1.0-0]="libpango-1.0.so.0"
  [libpangoft2-1.0-0]="libpangoft2-1.0.so.0"
  [libharfbuzz-subset0]="libharfbuzz-subset.so.0"
  [fonts-noto-cjk]="NotoSansCJK-Regular.ttc"
  [poppler-utils]="pdftotext"
  [gettext]="msgfmt"
  [postgresql]="pg_ctl"
  [chromium]="chromium"
  [nodejs]="node"
  [npm]="npm"
  [nginx-light]="nginx"
  [redis-server]="redis-server"
  [openssl]="openssl"
  [curl]="curl"
)

_has() {
  if command -v dpkg-query >/dev/null 2>&1 &&
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; then
    return 0
  fi
  # Not a Debian package here (or not Debian): look for what the package provides.
  case "$1" in
    python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null ;;
    lib*) ldconfig -p 2>/dev/null | grep -q "${PROVES[$1]}" ;;
    fonts-noto-cjk) fc-list 2>/dev/null | grep -q "Noto Sans CJK" ||
      ls /usr/share/fonts/*/noto*/NotoSansCJK-Regular.ttc >/dev/null 2>&1 ;;
    postgresql) ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null ;;
    *) command -v "${PROVES[$1]}" >/dev/null 2>&1 ;;
  esac
}

ensure_system_packages() {
  local missing=() pkg
  for pkg in "$@"; do _has "$pkg" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "This machine is not Debian-like, so the set-up cannot install system packages itself." >&2
    echo "Install these by hand (names as in Debian; your distribution's may differ), then re-run:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    echo "WeasyPrint's own list per platform: https://doc.courtbouillon.org/weasyprint/stable/first_steps.html" >&2
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Missing system packages and no root or sudo: as root run" >&2
      echo "  apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  say "Installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_virtualenv() {
  local stamp="$VENV/.installed" want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements.lock" | sha256sum | cut -c1-16)"
  if [ ! -x "$PY" ]; then
    say "Creating the virtualenv in .venv"
    python3 -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing Python packages (pinned by requirements.lock)"
    # (grep drops pip's notes about optional local package indexes that this machine lacks)
    "$PY" -m pip install -q --disable-pip-version-check -c "$ROOT/requirements.lock" -e "$ROOT[dev]" \
      2> >(grep -v "^WARNING: Location" >&2)
    echo "$want" >"$stamp"
  fi
}

compile_translations() {
  (cd "$ROOT" && "$PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules)
}
