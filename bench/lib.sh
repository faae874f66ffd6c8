# Shared by the long-run scripts of bench/ (sourced from the repository root): the CLI, a log line stamped with
# the time and the load average, a command run under that line, and whether a model variant exists.
MEDUI=.venv/bin/medui
stamp() { echo "== $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
step() { stamp "$@"; "$@"; }
have() { $MEDUI models --json 2>/dev/null | grep -q "\"name\": \"$1\""; }
