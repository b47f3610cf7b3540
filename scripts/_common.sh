# shellcheck shell=bash
# Shared helpers for scripts/setup, scripts/test, scripts/develop and scripts/lint.
# Sourced, not executed: it only defines variables and functions.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY_PREFIX="$ROOT/.python314"           # project-local Python made by bootstrap-python314.sh
MIN_PY=3.14.2                          # Home Assistant 2026.3+ needs this
STAMP="$VENV/.wactorz-setup-stamp"     # what scripts/setup last installed into .venv

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# True when $1 is a runnable Python >= MIN_PY with the modules a venv and HA need.
python_ok() {
  [ -n "${1:-}" ] && [ -x "$1" ] || return 1
  "$1" -c 'import sys, ssl, sqlite3, ctypes, venv; sys.exit(sys.version_info < (3, 14, 2))' >/dev/null 2>&1
}

is_debian_like() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; }

# Run a command as root: directly when we are root, through sudo only when it needs no password.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}
can_be_root() { [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }

# Print the path of a Python >= MIN_PY, making one in .python314/ on Debian-like hosts if needed.
find_python() {
  local candidate
  if [ -n "${WACTORZ_PYTHON:-}" ]; then
    # An explicit choice must work; silently falling back would hide the mistake.
    candidate=$(command -v "$WACTORZ_PYTHON" || true)
    python_ok "$candidate" || die "WACTORZ_PYTHON=$WACTORZ_PYTHON is not a working Python >= $MIN_PY"
    echo "$candidate"
    return
  fi
  candidate=$(command -v python3.14 || true)
  if python_ok "$candidate"; then
    echo "$candidate"
    return
  fi
  if command -v uv >/dev/null; then
    # From / and outside any venv, so uv does not answer with this project's own .venv.
    candidate=$(cd / && { env -u VIRTUAL_ENV uv python find --no-project ">=$MIN_PY" 2>/dev/null || true; })
    if python_ok "$candidate"; then
      echo "$candidate"
      return
    fi
  fi
  candidate="$PY_PREFIX/usr/bin/python3.14"
  if python_ok "$candidate"; then
    echo "$candidate"
    return
  fi
  if is_debian_like; then
    # The packages' rpaths are absolute, so a copied or half-made .python314 is redone in place.
    log "No Python >= $MIN_PY found; unpacking Debian's python3.14 into .python314/ (about 10 s)"
    rm -rf "$PY_PREFIX"
    if "$ROOT/scripts/bootstrap-python314.sh" "$PY_PREFIX" >&2 && python_ok "$candidate"; then
      echo "$candidate"
      return
    fi
    rm -rf "$PY_PREFIX"
    die "bootstrapping Python 3.14 into .python314/ failed (see above; it needs apt-get, and root to install patchelf)"
  fi
  die "no Python >= $MIN_PY found. Install one, e.g. 'uv python install 3.14' (https://docs.astral.sh/uv/)
       or your OS's python3.14 package, then re-run (or point WACTORZ_PYTHON at it)."
}

# Create a venv at $2 with Python $1 (no-op when a working one is there).
make_venv() {
  local py=$1 dir=$2 wheel
  if python_ok "$dir/bin/python" && "$dir/bin/python" -c 'import pip' 2>/dev/null; then
    return
  fi
  if [ -e "$dir" ]; then
    warn "$dir is broken (moved, or its Python is gone); recreating it"
    rm -rf "$dir"
  fi
  log "Creating ${dir#"$ROOT"/} with $("$py" -V 2>&1) ($py)"
  # A Debian-packaged Python (like the one in .python314/) ships pip as a wheel next to it, and its
  # ensurepip looks for the host's old wheels: bootstrap pip from that wheel instead.
  wheel=$(compgen -G "$(dirname "$py")/../share/python-wheels/pip-*.whl" | head -n1 || true)
  if [ -n "$wheel" ]; then
    "$py" -m venv --without-pip "$dir"
    "$dir/bin/python" "$wheel/pip" install --quiet "$wheel"
  else
    "$py" -m venv "$dir"
  fi
}

# Hash of a file, or "-" when it does not exist.
file_hash() {
  if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo -; fi
}

# What .venv should have been built from; scripts/setup stores it, scripts/test compares it.
venv_stamp() {
  printf 'requirements_test.txt %s\nedge_runner/pyproject.toml %s\n' \
    "$(file_hash "$ROOT/requirements_test.txt")" "$(file_hash "$ROOT/edge_runner/pyproject.toml")"
}

venv_current() {
  [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(venv_stamp)" ] &&
    "$VENV/bin/python" -c '' 2>/dev/null
}

# Path of the mosquitto binary (Debian puts it in /usr/sbin, which is not on a normal user's PATH).
mosquitto_bin() {
  local m
  for m in "$(command -v mosquitto || true)" /usr/sbin/mosquitto /usr/local/sbin/mosquitto /opt/homebrew/sbin/mosquitto; do
    if [ -n "$m" ] && [ -x "$m" ]; then
      echo "$m"
      return
    fi
  done
  return 1
}
