# sm-cost-bot: Slack bot that cuts Amazon SageMaker spend.
#   docker build -t sm-cost-bot .                                   production: no emulator inside
#   docker build --build-arg EXTRAS=demo -t sm-cost-bot:demo .      adds moto for `sm-cost-bot demo`
# The README ("Run in a container") shows Socket Mode and HTTP mode with the volume.
#
# Base pinned by digest (python:3.11-slim-bookworm, the multi-platform OCI index, amd64 + arm64)
# so that a rebuild gets the same bytes. This digest is the one Docker Hub listed for the tag in
# September 2026 (Python 3.11.16); it has not been re-checked against the registry since.
# Verify it (the "Digest:" line must equal the pin below) or move to a newer base deliberately:
#   docker buildx imagetools inspect python:3.11-slim-bookworm
# then paste the index digest here and rebuild; `docker run --rm IMAGE python --version` shows
# which Python it carries.
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

ARG EXTRAS=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SMBOT_DB_PATH=/data/sm-cost-bot.db \
    HEALTHCHECK_PORT=""

RUN useradd --create-home --uid 10001 smbot \
    && mkdir -p /data && chown smbot:smbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY reports ./reports
RUN pip install ".${EXTRAS:+[$EXTRAS]}" && rm -rf /app/build

USER smbot
VOLUME ["/data"]
# HTTP mode (run --http --host 0.0.0.0 --port 3000) serves /slack/events and GET /healthz.
EXPOSE 3000
# In HTTP mode set HEALTHCHECK_PORT to the port: the check is then GET /healthz. Socket Mode has
# no listening port; the check passes and Docker watches the process itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; p = os.environ.get('HEALTHCHECK_PORT'); p and urllib.request.urlopen(f'http://127.0.0.1:{p}/healthz', timeout=4)"]
ENTRYPOINT ["sm-cost-bot"]
CMD ["run"]
