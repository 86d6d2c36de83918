#!/usr/bin/env bash
# What ships is what the wire and bench targets exercise: evchargerd's link line names no simulator library, no
# harness library and not the sim-only Modbus adapters (in-process client and server, the simulators' TCP server,
# the recording tap), not the in-process MQTT broker and not the in-process Victron bus. Nor does it link paho or
# OpenSSL: an installation without MQTT should not carry them (they cost about 2 MiB of RSS loaded, used or not), so
# evchargerd loads the paho adapter as a module when a broker is configured, and the Beast HTTPS client of the price
# APIs as another when prices are configured, and the web UI's TLS as a third with web: tls:; the modules are built
# beside it.
set -u
build=$1
rule=$(grep -A3 '^build drivers/daemon/evchargerd:' "$build/build.ninja" | tr '\n' ' ')
# What is linked: the inputs before ninja's order-only '||' (the module is built first, not linked) and LINK_LIBRARIES.
line="${rule%%||*} $(grep -o 'LINK_LIBRARIES = .*' <<<"$rule")"
[ -n "$rule" ] || { echo "no link rule for evchargerd in $build/build.ninja"; exit 1; }
for forbidden in evhil_sim_ evhil_harness evhil_physics evhil_modbus_sim evhil_mqtt_sim evhil_venus_sim evhil_test_support \
    evhil_mqtt_paho libevhil_https.a libevhil_web_tls.a paho libssl libcrypto; do
    if grep -q "$forbidden" <<<"$line"; then
        echo "evchargerd links $forbidden:"
        echo "$line"
        exit 1
    fi
done
needed=$(objdump -p "$build/drivers/daemon/evchargerd" | awk '/NEEDED/ {print $2}')
if grep -qE 'paho|libssl|libcrypto' <<<"$needed"; then
    echo "evchargerd needs paho or OpenSSL at load time:"
    echo "$needed"
    exit 1
fi
[ -f "$build/drivers/daemon/evchargerd-mqtt-paho.so" ] || { echo "no evchargerd-mqtt-paho.so beside evchargerd"; exit 1; }
[ -f "$build/drivers/daemon/evchargerd-https.so" ] || { echo "no evchargerd-https.so beside evchargerd"; exit 1; }
[ -f "$build/drivers/daemon/evchargerd-web-tls.so" ] || { echo "no evchargerd-web-tls.so beside evchargerd"; exit 1; }
echo "evchargerd links production libraries only, and loads paho and the HTTPS client only as modules"
