#!/usr/bin/env bash
# Start OpenSearch node N (1 or 2) of the CI cluster on 127.0.0.1 in the foreground, with its data
# under HOME_DIR/nodeN. Ports: http BASE+N, transport BASE+100+N (BASE defaults to 19200).
# Used by .ci/run, and by the fault tests to restart a node they killed.
set -euo pipefail
n=$1
home=$2
base=${CITEBOT_TEST_OPENSEARCH_PORT_BASE:-19200}
here="$(cd "$(dirname "$0")" && pwd)"
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"
exec java -Xms1g -Xmx1g -XX:+UseSerialGC -Dlog4j2.disable.jmx=true -cp "$classpath" citebot.launcher.Main \
    "node$n" $((base + n)) $((base + 100 + n)) "$home/node$n" \
    "$((base + 101)),$((base + 102))" node1,node2
