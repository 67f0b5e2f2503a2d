#!/bin/bash
# Install the packages of a Debian lock file (name=version lines, # comments) without recommends:
# the pinned version when the archive has it, else the archive's candidate, with a
# `debian-pins:` line on the build log, so that a Debian point release (which drops the old
# version from the archive) does not break the build. DEBIAN_PIN_OVERRIDES (space-separated
# name=version) replaces or adds pins. Writes what was installed, name=version, to RECORD.
# Usage: install-debian-packages.sh LOCK RECORD
set -euo pipefail
lock=$1
record=$2
declare -A pinned=()
order=()
while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%#*}
    line=${line//[[:space:]]/}
    [[ -z $line ]] && continue
    pinned[${line%%=*}]=${line#*=}
    order+=("${line%%=*}")
done <"$lock"
for override in ${DEBIAN_PIN_OVERRIDES:-}; do
    [[ -v "pinned[${override%%=*}]" ]] || order+=("${override%%=*}")
    pinned[${override%%=*}]=${override#*=}
done

apt-get update
wanted=()
for name in "${order[@]}"; do
    version=${pinned[$name]}
    if apt-cache madison "$name" | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
        grep -qxF -- "$version"; then
        wanted+=("$name=$version")
    else
        candidate=$(apt-cache policy "$name" | awk '/Candidate:/ {print $2}')
        echo "debian-pins: $name=$version is not in the archive;" \
            "installing the candidate ${candidate:-(none)} (update training/debian-packages.lock)"
        wanted+=("$name")
    fi
done
apt-get install -y --no-install-recommends "${wanted[@]}"
mkdir -p "$(dirname "$record")"
dpkg-query -W -f='${Package}=${Version}\n' "${order[@]}" >"$record"
apt-get clean
rm -rf /var/lib/apt/lists/*
