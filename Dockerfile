FROM python:3.12-slim
ENV UV_PYTHON_DOWNLOADS=never PYTHONUNBUFFERED=1
WORKDIR /app
RUN pip install --no-cache-dir "uv>=0.5"
COPY pyproject.toml uv.lock README.md ./
COPY agents agents
COPY tools tools
COPY prompts prompts
COPY orchestrator orchestrator
COPY store store
COPY api api
COPY web web
RUN uv sync --frozen --no-dev && ln -s /app/.venv/bin/countersign /usr/local/bin/countersign
EXPOSE 8000
CMD ["countersign", "serve"]
