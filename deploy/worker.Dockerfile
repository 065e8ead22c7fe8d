# A capture worker: Debian's Chromium and Python, the toolkit with its web, social and scale-out parts.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv chromium ffmpeg ca-certificates \
      fonts-noto-core fonts-dejavu-core libmagic1 \
 && rm -rf /var/lib/apt/lists/*

COPY . /src
RUN python3 -m venv /opt/forensics \
 && /opt/forensics/bin/pip install --no-cache-dir "/src[web,social,scale]" \
 && useradd --create-home --uid 10001 forensics \
 && install -m 0755 /src/deploy/worker-entrypoint.sh /usr/local/bin/forensics-worker-entrypoint

USER forensics
ENV PATH=/opt/forensics/bin:$PATH \
    FORENSICS_CHROMIUM=/usr/bin/chromium \
    XDG_RUNTIME_DIR=/dev/shm
ENTRYPOINT ["/usr/local/bin/forensics-worker-entrypoint"]
