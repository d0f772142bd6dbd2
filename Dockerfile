# taxapi: the API server, as a non-root user, with a health check.
#   docker build -t taxapi . && docker run -p 8000:8000 taxapi
# Settings are TAXAPI_* environment variables (README, "Settings"); refreshed data goes to /data.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY taxapi ./taxapi
COPY rates ./rates
COPY schemas ./schemas
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /data --create-home taxapi
USER taxapi
ENV TAXAPI_HOST=0.0.0.0 \
    TAXAPI_PORT=8000 \
    TAXAPI_DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('TAXAPI_PORT', '8000')}/readyz\", timeout=2)"]
# SIGTERM: uvicorn stops accepting, lets requests in flight finish (TAXAPI_SHUTDOWN_TIMEOUT), then exits.
STOPSIGNAL SIGTERM
CMD ["taxapi", "serve"]
