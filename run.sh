#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds eddy and starts it on its embedded
# defaults: an edge with no hub, on port 6379, with its data in ./data.
set -euo pipefail
cd "$(dirname "$0")"
source ./deps.sh
build_eddy
exec ./build/server/eddy "$@"
