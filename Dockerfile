# Touchpoint in a container: SQLite on the /data volume by default.
#
#   docker build -t touchpoint .
#   docker run -d --name touchpoint -p 8000:8000 -v touchpoint-data:/data touchpoint
#   docker logs touchpoint          # the first start prints the admin key, once
#
# PostgreSQL instead: -e TOUCHPOINT_DATABASE_URL=postgresql://user:password@host/db
# More workers: docker run … touchpoint touchpoint serve --host 0.0.0.0 --port 8000 --workers 4
# `touchpoint serve` migrates before it serves; `touchpoint migrate` does only that.
# A stop lets requests in flight finish (up to 30 s): `docker stop -t 35` to wait for all.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOUCHPOINT_DATABASE_URL=sqlite:////data/touchpoint.db

# Built from a copy of the source that the same step deletes: the image keeps only the
# installed package, which carries its migrations.
WORKDIR /tmp/touchpoint
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir . && rm -rf /tmp/touchpoint

RUN groupadd --system --gid 10001 touchpoint \
    && useradd --system --uid 10001 --gid touchpoint --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin touchpoint \
    && mkdir -p /data \
    && chown touchpoint:touchpoint /data

VOLUME ["/data"]
WORKDIR /data
USER touchpoint:touchpoint
EXPOSE 8000

# No curl in the slim image: Python asks. urlopen raises on anything but 2xx → exit 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["touchpoint", "serve", "--host", "0.0.0.0", "--port", "8000"]
