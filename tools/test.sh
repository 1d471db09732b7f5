#!/usr/bin/env bash
# Runs the whole test suite: by default the CPython 3.11 environment and lint.
# Pass tox environments to choose others, e.g. `bash tools/test.sh py310,py312`
# or `bash tools/test.sh ALL` for every supported CPython.
set -euo pipefail
cd "$(dirname "$0")/.."

envs="${1:-py311,lint}"
[ "$envs" = "ALL" ] && envs="py310,py311,py312,py313,lint"

# tox's interpreter discovery does not see through pyenv's shims: hand it
# every installed CPython 3.10-3.13 explicitly.
discover=()
if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare | grep -E '^3\.1[0-3]\.[0-9]+$'); do
        minor=${version%.*}
        candidate="$(pyenv prefix "$version")/bin/python$minor"
        [ -x "$candidate" ] && discover+=("$candidate")
    done
fi

python_bin=$(command -v python3.11 || command -v python3)
venv=.venv-tools
if [ ! -x "$venv/bin/tox" ]; then
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "tox>=4"
fi
if [ ${#discover[@]} -gt 0 ]; then
    exec "$venv/bin/tox" run -e "$envs" --discover "${discover[@]}"
fi
exec "$venv/bin/tox" run -e "$envs"
