#!/bin/sh
# compile: make and gcc -O2 build Lua 5.4's sources (Debian's source tree,
# in the workload root), one job at a time: its 8 largest C files, times
# RAMINATE_SCALE (all 33 and the lua binary from 4 up).
set -e
rm -rf /tmp/lua
cp -r /usr/src/compile /tmp/lua
cd /tmp/lua/src
n=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(8 * s + 0.5) }')
if [ "$n" -ge 32 ]; then
    make -s -j1 CC=gcc linux > /dev/null
    ./lua -e 'print("compile: built " .. _VERSION)'
else
    objs=$(ls -S l*.c | head -n "$n" | sed 's/\.c$/.o/')
    # shellcheck disable=SC2086
    make -s -j1 CC=gcc SYSCFLAGS=-DLUA_USE_LINUX $objs
    echo "compile: built $(echo $objs | wc -w) objects of Lua 5.4"
fi
