#!/usr/bin/env bash
# Install Debian packages that are missing: ensure-debian-packages.sh CMD:PACKAGE ... PACKAGE ...
# CMD:PACKAGE installs PACKAGE when the command CMD is missing (e.g. chromium:chromium for the
# browser tests, xgettext:gettext for the translation check); a bare PACKAGE (a library or fonts,
# e.g. libpango-1.0-0 for PDF documents) is installed when dpkg does not list it as installed.
set -euo pipefail
missing=()
for pair in "$@"; do
  if [[ "$pair" == *:* ]]; then
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  else
    dpkg-query -W -f='${Status}' "$pair" 2>/dev/null | grep -q "ok installed" || missing+=("$pair")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing from Debian's packages: ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
