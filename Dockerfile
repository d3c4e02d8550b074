# Alinea service image: build the wheel and its dependencies in one stage, run as a non-root user
# in a slim second stage with the SQLite database on a volume.
#
#   docker build -t alinea .
#   docker run -p 8000:8000 -v alinea-data:/data alinea
#
# PostgreSQL instead: docker run -e ALINEA_DATABASE_URL=postgresql://user@host:5432/alinea ...

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY alignment ./alignment
COPY termbase ./termbase
COPY migrations ./migrations
RUN python -m venv /opt/alinea \
 && /opt/alinea/bin/pip install --upgrade pip \
 && /opt/alinea/bin/pip install .

FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="Alinea" \
      org.opencontainers.image.description="French/English alignment and terminology service"
RUN groupadd --system alinea && useradd --system --gid alinea --home-dir /data alinea \
 && mkdir -p /data && chown alinea:alinea /data
COPY --from=build /opt/alinea /opt/alinea
ENV PATH="/opt/alinea/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    ALINEA_DATABASE_URL="sqlite:////data/alinea.db" \
    NUMBA_CACHE_DIR=/tmp/numba-cache
USER alinea
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["alinea", "serve", "--host", "0.0.0.0", "--port", "8000"]
