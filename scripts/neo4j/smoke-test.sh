#!/usr/bin/env bash
# End-to-end smoke test of scripts/neo4j-server (needs python3 with the `neo4j` driver).
#   scripts/neo4j/smoke-test.sh [PORT]        (default port 17687)
# install -> start -> write + CJK full-text query over bolt:// and neo4j:// ->
# SIGTERM stop -> restart sees data -> SIGKILL -> restart (recovery) sees data -> stop.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRV="$HERE/../neo4j-server"
PORT="${1:-17687}"
PY="${NEO4J_PYTHON:-python3}"
DATA="$(mktemp -d "${TMPDIR:-/tmp}/neo4j-smoke.XXXXXX")"
trap '"$SRV" stop --data "$DATA" >/dev/null 2>&1 || true; rm -rf "$DATA"' EXIT

check() {  # $1 = write|read
  NEO4J_SMOKE_PORT="$PORT" "$PY" - "$1" <<'EOF'
import os, sys
from neo4j import GraphDatabase
mode, port = sys.argv[1], os.environ["NEO4J_SMOKE_PORT"]
for uri in (f"bolt://127.0.0.1:{port}", f"neo4j://127.0.0.1:{port}"):
    with GraphDatabase.driver(uri, auth=None) as d:
        d.verify_connectivity()
        if mode == "write" and uri.startswith("bolt"):
            analyzers = [r["analyzer"] for r in
                         d.execute_query("CALL db.index.fulltext.listAvailableAnalyzers()").records]
            assert "cjk" in analyzers, analyzers
            d.execute_query("CREATE FULLTEXT INDEX t IF NOT EXISTS FOR (n:T) ON EACH [n.name] "
                            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}")
            d.execute_query("CREATE (:T {name: '行政许可事项'})")
            d.execute_query("CALL db.awaitIndexes(60)")
        hits = [r["name"] for r in d.execute_query(
            "CALL db.index.fulltext.queryNodes('t', '许可') YIELD node RETURN node.name AS name").records]
        assert hits == ["行政许可事项"], (uri, hits)
        print(f"  {uri}: fulltext hit {hits}")
EOF
}

echo "== install"; "$SRV" install
echo "== start";   "$SRV" start --port "$PORT" --data "$DATA"
echo "   rss: $(( $(ps -o rss= -p "$(cat "$DATA/neo4j.pid")") / 1024 )) MiB"
check write
echo "== stop (SIGTERM) + restart"
"$SRV" stop --data "$DATA"
"$SRV" start --port "$PORT" --data "$DATA"
check read
echo "== SIGKILL + restart (recovery)"
kill -KILL "$(cat "$DATA/neo4j.pid")"
sleep 1
"$SRV" start --port "$PORT" --data "$DATA"
check read
"$SRV" stop --data "$DATA"
echo "== smoke test OK"
