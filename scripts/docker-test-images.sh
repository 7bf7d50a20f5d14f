#!/usr/bin/env bash
# STAND-IN BASE IMAGES FOR TESTS ONLY. Never push them, never ship anything built on them.
#
# Builds local stand-ins for the base images that Dockerfile and docker-compose.yml name, so that
# `docker build` and `docker-compose up` work on a machine that reaches Debian's packages and the
# npm registry but no image registry (test/deploy/ runs this before it builds anything):
#
#   node:20-bookworm-slim   Debian bookworm + this machine's own Node 20 and npm, user node (uid 1000)
#   redis:7-bookworm        Debian bookworm + Debian's redis-server, data in /data
#   nginx:stable-bookworm   Debian bookworm + Debian's nginx and envsubst
#
# All three start from one Debian root file system made once per machine with debootstrap and kept
# in $QSP_DOCKER_CACHE (default /var/cache/qsp-docker). Every stand-in carries the label
# qsp.stand-in=<digest of this script and of the host's Node>: a stand-in with that digest is
# reused, an older one is rebuilt, and an image of the same name WITHOUT the label (the real one,
# pulled from a registry) is left alone and used as it is.
#
# Needs a Docker engine, and root and debootstrap the first time. Usage: sudo scripts/docker-test-images.sh
set -euo pipefail

CACHE=${QSP_DOCKER_CACHE:-/var/cache/qsp-docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
LABEL=qsp.stand-in

log() { printf 'docker-test-images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers"

HOST_NODE=$(node -p process.execPath)
HOST_NPM=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm
HOST_NODE_HEADERS=$(dirname "$(dirname "$HOST_NODE")")/include/node
[ "$("$HOST_NODE" -p 'process.versions.node.split(".")[0]')" = 20 ] || die "the host's Node is not Node 20"
[ -f "$HOST_NPM/bin/npm-cli.js" ] || die "npm not found beside $HOST_NODE"
[ -f "$HOST_NODE_HEADERS/node.h" ] || die "Node's headers not found in $HOST_NODE_HEADERS"
# A machine whose traffic goes through a TLS proxy trusts its CA in the system bundle; npm in the
# stand-in needs the same bundle to reach the registry.
HOST_CA=/etc/ssl/certs/ca-certificates.crt

KEY=$({ cat "$0"; "$HOST_NODE" --version; "$HOST_NODE" "$HOST_NPM/bin/npm-cli.js" --version; } | sha256sum | cut -c1-16)
BASE=qsp-stand-in/bookworm:$KEY

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9   # one build at a time per machine; the others then find the images made

# One Debian root file system, made once per machine.
make_rootfs() {
  [ -f "$CACHE/rootfs/.complete" ] && return
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  log "debootstrap $SUITE into $CACHE/rootfs (once per machine)"
  rm -rf "$CACHE/rootfs.partial"
  debootstrap --variant=minbase "$SUITE" "$CACHE/rootfs.partial" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $CACHE/debootstrap.log"
  cat >"$CACHE/rootfs.partial/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  # As in Debian's own images: packages installed during a build start no services.
  printf '#!/bin/sh\nexit 101\n' >"$CACHE/rootfs.partial/usr/sbin/policy-rc.d"
  chmod 755 "$CACHE/rootfs.partial/usr/sbin/policy-rc.d"
  rm -rf "$CACHE/rootfs.partial/var/cache/apt/archives/"*.deb "$CACHE/rootfs.partial/var/lib/apt/lists/"*
  touch "$CACHE/rootfs.partial/.complete"
  rm -rf "$CACHE/rootfs"
  mv "$CACHE/rootfs.partial" "$CACHE/rootfs"
}

# The shared base image, made from the root file system the first time a stand-in needs it; the
# bases of earlier versions of this script go.
make_base() {
  docker image inspect "$BASE" >/dev/null 2>&1 && return
  docker image ls --format '{{.Repository}}:{{.Tag}}' "${BASE%:*}" | xargs -r docker rmi >/dev/null 2>&1 || true
  log "importing $BASE"
  tar --exclude=./.complete -C "$CACHE/rootfs" -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$BASE" >/dev/null
}

# Builds stand-in $1 from the Dockerfile on stdin with context $2, unless it is current or real.
build_stand_in() {
  local name=$1 context=$2 found
  if found=$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$name" 2>/dev/null); then
    if [ "$found" = "$KEY" ]; then log "$name: stand-in is current"; cat >/dev/null; return; fi
    if [ -z "$found" ] || [ "$found" = "<no value>" ]; then log "$name: a real image is here, using it"; cat >/dev/null; return; fi
  fi
  make_rootfs
  make_base
  log "$name: building the stand-in"
  DOCKER_BUILDKIT=0 docker build --quiet --network host --label "$LABEL=$KEY" --build-arg "BASE=$BASE" \
    -t "$name" -f - "$context" >/dev/null
}

node_context=$(mktemp -d)
empty_context=$(mktemp -d)
trap 'rm -rf "$node_context" "$empty_context"' EXIT
cp "$HOST_NODE" "$node_context/node"
cp -r "$HOST_NODE_HEADERS" "$node_context/include"
cp -r "$HOST_NPM" "$node_context/npm"
cp "$HOST_CA" "$node_context/ca.crt"
# Like the real image's entrypoint: arguments that start with "-" go to node, anything else is run
# as given, and exec leaves the command as PID 1.
cat >"$node_context/docker-entrypoint.sh" <<'EOF_ENTRYPOINT'
#!/bin/sh
set -e
case "${1:-}" in -*) set -- node "$@" ;; esac
exec "$@"
EOF_ENTRYPOINT
chmod 755 "$node_context/docker-entrypoint.sh"

build_stand_in node:20-bookworm-slim "$node_context" <<'EOF'
ARG BASE
FROM $BASE
COPY node /usr/local/bin/node
COPY include /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca.crt /usr/local/share/qsp-stand-in/ca.crt
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/qsp-stand-in/ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF

build_stand_in redis:7-bookworm "$empty_context" <<'EOF'
ARG BASE
FROM $BASE
RUN apt-get update && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
VOLUME /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
EOF

build_stand_in nginx:stable-bookworm "$empty_context" <<'EOF'
ARG BASE
FROM $BASE
RUN apt-get update && apt-get install -y --no-install-recommends nginx gettext-base \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
EOF

log "stand-ins ready (key $KEY)"
