#!/usr/bin/env bash
# Prove README command 1 on a fresh machine: a clean virtual environment without extras runs
# the command verbatim (install, copy the public datasets, `waspada up`), /readyz answers,
# and SIGTERM stops it. Called by .ci/run after the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

# The command as the README prints it: the line after "# 1." inside the set-up block.
cmd1=$(awk '/^# 1\./ {getline; print; exit}' README.md)
case "$cmd1" in
  *"pip install -e ."*"waspada up"*) ;;
  *) echo "fresh install: README command 1 not found (got: '$cmd1')" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "fresh install: running README command 1 in a clean venv on port $port: $cmd1"
(
  # shellcheck disable=SC1091
  source "$work/venv/bin/activate"
  export WASPADA_DATA_DIR="$work/data" WASPADA_API_PORT="$port"
  exec bash -c "$cmd1"
) >"$work/up.log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 1200); do  # pip install, dataset copy and the first training (~5 min)
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if body=$(curl -fsS "http://127.0.0.1:$port/readyz" 2>/dev/null); then ready="$body"; break; fi
  sleep 1
done

if [ -z "$ready" ]; then
  echo "fresh install: /readyz never answered; last output:" >&2
  tail -n 60 "$work/up.log" >&2
  kill -TERM "$pid" 2>/dev/null || true
  exit 1
fi
echo "fresh install: /readyz answered: $ready"

# SIGTERM reaches `waspada up` (bash exec'd into the last command of the && chain only when
# it is the last one, so signal the whole process group's waspada child explicitly).
waspada_pid=$(pgrep -f "$work/venv/bin/waspada up" | head -n 1 || true)
kill -TERM "${waspada_pid:-$pid}"
for _ in $(seq 1 30); do
  kill -0 "${waspada_pid:-$pid}" 2>/dev/null || break
  sleep 1
done
if kill -0 "${waspada_pid:-$pid}" 2>/dev/null; then
  echo "fresh install: waspada up did not stop within 30 s of SIGTERM" >&2
  kill -KILL "${waspada_pid:-$pid}" || true
  exit 1
fi
wait "$pid" || true
echo "fresh install: stopped cleanly on SIGTERM"
