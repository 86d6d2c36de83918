#!/usr/bin/env bash
# What ships is what the wire and bench targets exercise: evchargerd's link line names no simulator library, no
# harness library and not the sim-only Modbus adapters (in-process client and server, the simulators' TCP server,
# the recording tap), not the in-process MQTT broker and not the in-process Victron bus.
set -u
build=$1
line=$(grep -A3 '^build drivers/daemon/evchargerd:' "$build/build.ninja" | tr '\n' ' ')
[ -n "$line" ] || { echo "no link rule for evchargerd in $build/build.ninja"; exit 1; }
for forbidden in evhil_sim_ evhil_harness evhil_physics evhil_modbus_sim evhil_mqtt_sim evhil_venus_sim evhil_test_support; do
    if grep -q "$forbidden" <<<"$line"; then
        echo "evchargerd links $forbidden:"
        echo "$line"
        exit 1
    fi
done
echo "evchargerd links production libraries only"
