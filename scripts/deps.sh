#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing.
# Services that packages would start (the system nginx and PostgreSQL) are
# kept from starting: the project runs its own private instances. Packages
# named as arguments are extras for one target (`make fuzz` asks for clang
# and libclang-rt-14-dev, the libFuzzer runtime, which clang only recommends).
set -euo pipefail

# python3-aiosmtpd: the real SMTP server the send_email tests talk to on loopback.
pkgs=(build-essential pkg-config libfcgi-dev libpq-dev libcurl4-openssl-dev
      libjson-c-dev libssl-dev libyaml-dev libpcre2-dev nginx postgresql postgresql-contrib curl
      openssl python3 python3-yaml python3-aiosmtpd wrk procps iproute2 ca-certificates
      chromium)
# npm only installs the pinned test tools (tests/node); any Node will do.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
[ "$#" -gt 0 ] && pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
guard=/usr/sbin/policy-rc.d
own_guard=0
if [ ! -e "$guard" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$guard"; chmod +x "$guard"; own_guard=1
fi
trap '[ "$own_guard" = 1 ] && rm -f "$guard"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
