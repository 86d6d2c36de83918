#!/usr/bin/env bash
# Installs every Debian package evhil needs to build, test and run its scenario suite.
# Idempotent: when everything is present it installs nothing. Uses sudo when not root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config ccache git
    libboost-dev libboost-system-dev
    libmodbus-dev
    libsdbus-c++-dev
    libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev  # the MQTT port's real adapter; its TLS diagnosis
    mosquitto mosquitto-clients  # a real broker for the MQTT tests and the wire target; mosquitto_sub/_pub
    openssl  # the MQTT TLS tests make a throw-away CA with the openssl command
    dbus-daemon dbus-bin  # a private bus for the Venus tests and evhil sim gx; dbus-send, dbus-monitor
    systemd  # busctl, the D-Bus conformance tests' client (nothing here runs systemd itself)
    libyaml-cpp-dev
    libhowardhinnant-date-dev tzdata  # time zones for schedules (GCC 12's <chrono> has none), on the system's tzdata
    nlohmann-json3-dev
    libcli11-dev
    libspdlog-dev libfmt-dev
    libgtest-dev libgmock-dev
    libbenchmark-dev
    mbpoll
    tshark
    python3  # the CLI tests check results.json with short Python snippets
    curl  # the price API simulator tests query them over HTTPS
    libsodium-dev  # the web UI's password hash (Argon2id), API token digest and session ids
    chromium  # the web UI's browser test (headless, driven by puppeteer-core from tests/browser)
)
# Node.js for the browser test's puppeteer-core, from Debian unless the machine has its own (NodeSource's nodejs
# brings npm and conflicts with Debian's npm package).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

# tests/browser's npm packages (puppeteer-core, pinned in its package-lock.json), when they are not there yet.
install_browser_test_packages() {
    local browser_tests
    browser_tests="$(dirname "$0")/../tests/browser"
    if [ ! -d "$browser_tests/node_modules/puppeteer-core" ]; then
        echo "ci/setup.sh: npm ci in tests/browser" >&2
        (cd "$browser_tests" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}

if [ ${#missing[@]} -eq 0 ]; then
    install_browser_test_packages
    exit 0
fi

sudo_prefix=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_prefix=(sudo)
fi

echo "ci/setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; evhil only reads pcapng files, so the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo_prefix[@]}" debconf-set-selections
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_browser_test_packages
