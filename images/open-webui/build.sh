#!/usr/bin/env bash
# Builds pa-test/open-webui:<version> without any container registry (../lib/python-venv-image.sh):
# the pinned wheels of requirements.lock in /app/.venv of a Debian bookworm root filesystem
# (Python 3.11 like the host, curl, jq), plus the start script and metadata. Prints the tag
# (setup/images.sh skips the build when images/open-webui/TAG is present; PA_IMAGE_TAG overrides it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/python-venv-image.sh
source "$here/../lib/python-venv-image.sh"

# Binary wheels only.
python_venv_image "$here" binary python3,python3-venv,curl,jq,ca-certificates start.sh
