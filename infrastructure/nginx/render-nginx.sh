#!/bin/sh
# Entrypoint of the compose `nginx` service: fills gateway/nginx/nginx.conf.template (the template
# scripts/stack.sh renders, same @@NAME@@ placeholders) and runs nginx in the foreground.
#
# Environment (compose sets them): NGINX_OFFLINE_1, NGINX_OFFLINE_2 (host:port of the two
# serverless-offline services), NGINX_S3_PORT (7180, the front's upstream), ADMIN_PORT (9000),
# MAX_BODY_BYTES (134217728), STACK_RATE_LIMIT_RPS (0 = off), STACK_NGINX_ACCESS_LOG (0).
# NGINX_TEMPLATE, NGINX_CONF, NGINX_RUN_DIR and NGINX_EXEC=0 let the unit test render it without nginx.
set -eu

TEMPLATE="${NGINX_TEMPLATE:-/etc/mock-s3/nginx.conf.template}"
CONF="${NGINX_CONF:-/etc/nginx/nginx.conf}"
RUN_DIR="${NGINX_RUN_DIR:-/run/mock-s3}"
OFFLINE_1="${NGINX_OFFLINE_1:-offline-1:3000}"
OFFLINE_2="${NGINX_OFFLINE_2:-offline-2:3000}"
S3_PORT="${NGINX_S3_PORT:-7180}"
ADMIN_PORT="${ADMIN_PORT:-9000}"
MAX_BODY_BYTES="${MAX_BODY_BYTES:-134217728}"
RATE_LIMIT_RPS="${STACK_RATE_LIMIT_RPS:-0}"

mkdir -p "$RUN_DIR/nginx/tmp/body" "$RUN_DIR/nginx/tmp/proxy" "$RUN_DIR/nginx/tmp/fastcgi" \
  "$RUN_DIR/nginx/tmp/uwsgi" "$RUN_DIR/nginx/tmp/scgi"

user_line=''
access_log=off
if [ "${NGINX_EXEC:-1}" = 1 ]; then
  # The official image's master runs as root; its workers drop to the image's `nginx` user.
  user_line='user nginx nginx;'
  chown -R nginx:nginx "$RUN_DIR/nginx/tmp"
  # The container's log is stderr/stdout: the template's file paths point there.
  ln -sf /dev/stderr "$RUN_DIR/nginx/error.log"
  [ "${STACK_NGINX_ACCESS_LOG:-0}" = 1 ] && ln -sf /dev/stdout "$RUN_DIR/nginx/access.log" &&
    access_log="$RUN_DIR/nginx/access.log"
fi

zone=''
limit=''
case "$RATE_LIMIT_RPS" in
'' | 0 | *[!0-9]*) ;;
*)
  zone="limit_req_zone \$binary_remote_addr zone=mock_s3_rate:10m rate=${RATE_LIMIT_RPS}r/s; limit_req_status 503;"
  limit="limit_req zone=mock_s3_rate burst=$((RATE_LIMIT_RPS * 2)) nodelay;"
  ;;
esac

# Inside a container both listeners bind every address: compose publishes only ADMIN_PORT.
sed -e "s|@@RUN_DIR@@|$RUN_DIR|g" \
  -e "s|@@USER_LINE@@|$user_line|" \
  -e "s|@@ACCESS_LOG@@|$access_log|" \
  -e "s|@@OFFLINE_1@@|$OFFLINE_1|" \
  -e "s|@@OFFLINE_2@@|$OFFLINE_2|" \
  -e "s|@@RATE_LIMIT_ZONE@@|$zone|" \
  -e "s|@@RATE_LIMIT@@|$limit|" \
  -e "s|@@MAX_BODY_BYTES@@|$MAX_BODY_BYTES|g" \
  -e "s|@@NGINX_S3_LISTEN@@|$S3_PORT|g" \
  -e "s|@@ADMIN_LISTEN@@|$ADMIN_PORT|g" \
  "$TEMPLATE" >"$CONF"

# A placeholder the template gained after this script was written (comments mention @@NAME@@).
left=$(grep -v '^[[:space:]]*#' "$CONF" | grep -o '@@[A-Z0-9_]*@@' | sort -u | tr '\n' ' ' || true)
if [ -n "$left" ]; then
  echo "render-nginx: placeholders left in $CONF: $left" >&2
  exit 1
fi
[ "${NGINX_EXEC:-1}" = 1 ] || exit 0
exec nginx -c "$CONF" -g 'daemon off;'
