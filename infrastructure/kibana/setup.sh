#!/bin/sh
# One-shot compose service `kibana-setup`: creates the Kibana data views for the collector's
# Elasticsearch indexes (infrastructure/otel-collector.yaml), so Discover shows traces and logs
# without clicking through "Create data view". Safe to run again (an existing view is kept).
set -eu
KIBANA_URL="${KIBANA_URL:-http://kibana:5601}"

data_view() { # ID TITLE NAME
  code=$(curl -sS -o /dev/null -w '%{http_code}' "$KIBANA_URL/api/data_views/data_view/$1")
  if [ "$code" = 200 ]; then
    echo "data view $1 exists"
    return 0
  fi
  curl -fsS -X POST "$KIBANA_URL/api/data_views/data_view" -H 'kbn-xsrf: mock-s3' \
    -H 'Content-Type: application/json' \
    -d "{\"data_view\":{\"id\":\"$1\",\"title\":\"$2\",\"name\":\"$3\",\"timeFieldName\":\"@timestamp\"}}" >/dev/null
  echo "data view $1 created ($2)"
}

data_view mock-s3-traces 'mock-s3-traces*' 'mock-s3 traces'
data_view mock-s3-logs 'mock-s3-logs*' 'mock-s3 logs'
