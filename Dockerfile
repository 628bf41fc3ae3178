# sm-cost-bot: Slack bot that cuts Amazon SageMaker spend.
#   docker build -t sm-cost-bot .
#   docker run --rm sm-cost-bot demo
#   docker run -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -e SMBOT_DIGEST_CHANNEL -v smbot:/data sm-cost-bot run
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SMBOT_DB_PATH=/data/sm-cost-bot.db

RUN useradd --create-home --uid 10001 smbot \
    && mkdir -p /data && chown smbot:smbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY reports ./reports
RUN pip install . && rm -rf /app/build

USER smbot
VOLUME ["/data"]
# HTTP mode (run --http --host 0.0.0.0 --port 3000) serves /slack/events and GET /healthz
EXPOSE 3000
ENTRYPOINT ["sm-cost-bot"]
CMD ["run"]
