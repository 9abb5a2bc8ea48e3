#!/bin/sh
# graph: igraph (C core, Python front end) builds a random graph of
# 2^15 x RAMINATE_SCALE vertices and 16 edges per vertex, then runs
# breadth-first searches from 8 roots (Graph500's kernel), PageRank and
# connected components.
set -e
python3 - <<'PY'
import os, random, time
import igraph

scale = float(os.environ.get("RAMINATE_SCALE", "1"))
n = int((1 << 15) * scale)
random.seed(1)
t = time.time()
g = igraph.Graph.Erdos_Renyi(n=n, m=16 * n)
reached = sum(len(g.bfs(random.randrange(n))[0]) for _ in range(8))
pr = g.pagerank()
cc = g.connected_components()
print("graph: %d vertices, %d edges, %d reached, %d components, %.1f s"
      % (g.vcount(), g.ecount(), reached, len(cc), time.time() - t))
PY
