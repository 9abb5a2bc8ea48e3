#!/bin/sh
# kv: a Redis server (no persistence) under redis-benchmark: SETs then GETs
# of 16 KiB values over 4096 random keys (64 MiB of values), 4 clients:
# 5,000 requests of each kind times RAMINATE_SCALE.
set -e
redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --dir /tmp --logfile /tmp/redis.log
until redis-cli ping > /dev/null 2>&1; do sleep 0.2; done
n=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(5000 * s) }')
redis-benchmark -q -t set,get -n "$n" -d 16384 -r 4096 -c 4 | tr '\r' '\n' |
    grep 'requests per second' | sed 's/^/kv: /'
redis-cli shutdown nosave > /dev/null 2>&1 || true
