#!/bin/sh
# Install the Debian packages Dust needs to build, test, run its demo and
# its benchmarks. As root, missing packages are installed with apt-get;
# otherwise the apt-get line to run is printed and the script fails.
# The list, and why each package is here, is in README.md.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
      libsodium-dev libevent-dev libcmocka-dev libjansson-dev libpcap-dev
      spiped openssh-server openssh-client nginx-light curl
      tcpdump tshark python3 python3-numpy python3-scipy python3-sklearn
      python3-matplotlib obfs4proxy tor procps psmisc iproute2 openssl strace"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
# An apt-get update is needed on a fresh machine whose lists are empty.
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
