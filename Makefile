# The README's two commands: `make run` and `make test`. Both install what they need first.
UV := python3 -m uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup run test lint

setup:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"
	@$(UV) sync --frozen --quiet

run: setup
	$(UV) run countersign serve

test: setup
	$(UV) run ruff check .
	$(UV) run pytest

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
