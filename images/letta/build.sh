#!/usr/bin/env bash
# Builds pa-test/letta:<version> without any container registry (../lib/python-venv-image.sh):
# the pinned wheels of requirements.lock in /app/.venv of a Debian bookworm root filesystem
# (Python 3.11 like the host, curl), plus the start scripts and metadata. Prints the tag
# (setup/images.sh skips the build when images/letta/TAG is present; PA_IMAGE_TAG overrides it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/python-venv-image.sh
source "$here/../lib/python-venv-image.sh"

# `pip wheel`, as it also builds the one sdist (demjson3).
python_venv_image "$here" wheel python3,python3-venv,curl,ca-certificates startup.sh init_schema.py
