#!/usr/bin/env bash
# codec-sources.sh DIR — Debian's source packages of the compression libraries the core
# links (zlib, zstd, lz4, snappy), fetched with apt-get source into DIR and unpacked
# there with Debian's patches applied (dpkg-source -x). Never copied into the repository.
#
# Each package is pinned by version and by the SHA-256 of its .dsc (which itself lists
# the checksums of the tarballs; dpkg-source checks them when unpacking). The deb-src
# lines point at the same Debian mirror as the machine's own apt sources, in a private
# sources list and lists directory, so the machine's apt state is left alone.
set -euo pipefail
dir=$1
PKGS=(
  "zlib=1:1.2.13.dfsg-1 zlib_1.2.13.dfsg-1.dsc 3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8"
  "libzstd=1.5.4+dfsg2-5 libzstd_1.5.4+dfsg2-5.dsc 8f602f92b575aa8b5e979196fb6ee82d78f233521dc9636526d3ecba1f63c1b1"
  "lz4=1.9.4-1 lz4_1.9.4-1.dsc e16302bca544d08d106efc216541f4a0403c8f8a5fad5eaac7588223a55af263"
  "snappy=1.1.9-3 snappy_1.1.9-3.dsc 7651f9ca32704e95b17e3d288858c374dad88a0d4f95fc6a04a96bc7b83c8e7e"
)
mkdir -p "$dir/apt/lists/partial"
dir=$(cd "$dir" && pwd)

# The Debian mirror the machine already uses (one-line or deb822 sources), else Debian's own.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb-src ${mirror%/} $suite main" > "$dir/apt/sources.list"
APT=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$dir/apt/lists" -o Debug::NoDropPrivs=true -o APT::Sandbox::User=root)
apt-get "${APT[@]}" -qq update

cd "$dir"
for entry in "${PKGS[@]}"; do
  read -r pin dsc sha <<<"$entry"
  [ -f "$dsc" ] || apt-get "${APT[@]}" -qq source --download-only "$pin" >/dev/null
  echo "$sha  $dsc" | sha256sum --quiet -c - || { echo "codec-sources: $dsc does not match its pinned SHA-256" >&2; exit 1; }
  src=${dsc%.dsc}
  [ -d "$src" ] || dpkg-source -q -x "$dsc" "$src" >/dev/null
done
