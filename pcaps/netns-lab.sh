# netns-lab.sh -- sourced by the recording scripts under pcaps/: two network
# namespaces joined by one veth pair that exists only inside them (no other
# interface is touched), and the cleanup of what a script started.
# The caller sets SRV and CLI (namespace names) before using these.

# Run a command in the client / server namespace. Background jobs call
# `ip netns exec` directly, so $! is the job's own pid.
in_cli() { ip netns exec "$CLI" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

# Delete both namespaces (and so the veth pair); quiet when they do not exist.
lab_delete() {
  ip netns del "$CLI" 2>/dev/null || true
  ip netns del "$SRV" 2>/dev/null || true
}

# lab_stop PID...: terminate and reap background jobs; empty arguments are skipped.
lab_stop() {
  for pid in "$@"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
}

# lab_create SRV_IF CLI_IF SRV_ADDR/LEN CLI_ADDR/LEN: fresh namespaces (leftovers
# of an interrupted run are removed first), the veth pair SRV_IF (in SRV) --
# CLI_IF (in CLI) with one address each, loopbacks and the pair up.
lab_create() {
  lab_delete
  ip netns add "$SRV"
  ip netns add "$CLI"
  ip -n "$SRV" link add "$1" type veth peer name "$2" netns "$CLI"
  ip -n "$SRV" addr add "$3" dev "$1"
  ip -n "$CLI" addr add "$4" dev "$2"
  for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
  ip -n "$SRV" link set "$1" up
  ip -n "$CLI" link set "$2" up
}
