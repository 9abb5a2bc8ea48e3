#!/bin/sh
# web: lighttpd serves 64 files of 1 MiB from a tmpfs to siege (4
# concurrent clients, benchmark mode, the URLs in random order): 32 x
# RAMINATE_SCALE requests per client.
set -e
mkdir -p /tmp/www
for i in $(seq 64); do head -c 1048576 /dev/zero > /tmp/www/f$i; done
cat > /tmp/lighttpd.conf <<CONF
server.document-root = "/tmp/www"
server.bind = "127.0.0.1"
server.port = 8080
server.errorlog = "/tmp/lighttpd.log"
CONF
lighttpd -f /tmp/lighttpd.conf
for i in $(seq 64); do echo "http://127.0.0.1:8080/f$i"; done > /tmp/urls
reps=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(32 * s) }')
siege -b -i -q -c 4 -r "$reps" -f /tmp/urls --log=/tmp/siege.log 2>&1 |
    grep -E '"(transactions|failed_transactions)"' | tr -d ' \t,"' | sed 's/^/web: /'
kill "$(cat /run/lighttpd.pid 2>/dev/null || pidof lighttpd)" 2> /dev/null || true
