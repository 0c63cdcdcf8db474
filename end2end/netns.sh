#!/usr/bin/env bash
# Runs a command inside a network namespace of its own (made by `unshare -n` before this script):
# loopback up, plus a veth pair with a private address and a default route. Chromium gathers no
# WebRTC candidates on a machine with loopback alone; with this interface it does, and every packet
# still stays inside the namespace. PostgreSQL is reached through its Unix socket.
set -euo pipefail
ip link set lo up
ip link add veth0 type veth peer name veth1
ip addr add 10.200.0.1/24 dev veth0
ip link set veth0 up
ip link set veth1 up
ip route add default via 10.200.0.2 dev veth0
exec "$@"
