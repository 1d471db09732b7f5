#!/usr/bin/env bash
# Runs the whole test suite: by default the CPython 3.11 environment and lint.
# Pass tox environments to choose others, e.g. `bash tools/test.sh py310,py312`
# or `bash tools/test.sh ALL` for every supported CPython.
set -euo pipefail
cd "$(dirname "$0")/.."

envs="${1:-py311,lint}"
[ "$envs" = "ALL" ] && envs="py310,py311,py312,py313,lint"

# pyenv exposes a pythonX.Y command only for the versions it activates;
# activate every installed 3.10-3.13 so tox finds each interpreter.
if command -v pyenv >/dev/null 2>&1; then
    versions=$(pyenv versions --bare | grep -E '^3\.1[0-3]\.[0-9]+$' | sort -rV | paste -sd: -)
    [ -n "$versions" ] && export PYENV_VERSION="$versions"
fi

python_bin=$(command -v python3.11 || command -v python3)
venv=.venv-tools
if [ ! -x "$venv/bin/tox" ]; then
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "tox>=4"
fi
exec "$venv/bin/tox" run -e "$envs"
