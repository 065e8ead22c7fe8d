#!/bin/sh
# Make this worker's key on its first start (printed once: enrol it at the desk), then take capture tasks.
set -eu
key="${FORENSICS_WORKER_KEY:-$HOME/.config/forensics-toolkit/worker/worker-key.pem}"
name="${FORENSICS_WORKER_NAME:-$(hostname)}"
if [ ! -f "$key" ]; then
    forensics worker keygen --key "$key" --name "$name"
else
    forensics worker show-key --key "$key"
fi
set -- --key "$key" --name "$name" --concurrency "${FORENSICS_WORKER_CONCURRENCY:-1}" "$@"
if [ -n "${FORENSICS_EGRESS_ECHO:-}" ]; then
    set -- "$@" --egress-echo "$FORENSICS_EGRESS_ECHO"
fi
exec forensics worker "$@"
