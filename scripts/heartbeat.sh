# Sourced by provisioning steps: `with_heartbeat LOG cmd...` runs a long command with its
# output in LOG and prints a line every 15 s (elapsed time and the log's last line), so a
# first run that takes minutes shows it is moving.
with_heartbeat() {
  local log=$1; shift
  "$@" >>"$log" 2>&1 &
  local pid=$! t0=$SECONDS last
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null || break
    last=$(tail -n 1 "$log" 2>/dev/null | cut -c1-100)
    echo "    ... $((SECONDS - t0)) s${last:+: $last}"
  done
  wait "$pid"
}
