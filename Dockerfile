# syntax=docker/dockerfile:1
# The GovLearn mock GovStack sandbox as a container: `govlearn sandbox serve`.
#
#   docker build -t govlearn-sandbox .
#   docker run -p 8000:8000 -e GOVLEARN_ADMIN_KEY=... govlearn-sandbox
#
# Only the server's own dependencies are installed (no JupyterLab, nbgrader or
# pandas): the image serves the sandbox, learners' notebooks run elsewhere.
# docs/operators.md describes the settings and how the image was checked.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY govlearn ./govlearn
# The package without its notebook stack, then exactly what the server imports.
RUN python -m venv /opt/govlearn \
 && /opt/govlearn/bin/pip install --no-deps . \
 && /opt/govlearn/bin/pip install \
      "fastapi>=0.115" \
      "uvicorn[standard]>=0.30" \
      "sqlalchemy>=2.0.30" \
      "psycopg[binary]>=3.2" \
      "httpx>=0.27" \
      "pyjwt[crypto]>=2.9" \
      "cryptography>=43" \
      "click>=8.1" \
      "jsonschema>=4.18" \
      "fastapi-offline>=1.7"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="GovLearn sandbox" \
      org.opencontainers.image.description="Mock GovStack sandbox for learning" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 govlearn \
 && useradd --system --uid 10001 --gid govlearn --home-dir /data \
      --shell /usr/sbin/nologin govlearn \
 && mkdir -p /data \
 && chown govlearn:govlearn /data
COPY --from=build /opt/govlearn /opt/govlearn
ENV PATH=/opt/govlearn/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GOVLEARN_HOME=/data
USER 10001:10001
WORKDIR /data
# Without GOVLEARN_DATABASE_URL the sandbox keeps a SQLite file in /data.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2); sys.exit(r.status != 200)"]
ENTRYPOINT ["govlearn", "sandbox", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
