#!/usr/bin/env bash
# Installs the third-party SIP2 servers the integration tests talk to (PyPI, pinned by the lock
# files in Tests/SIP2IntegrationTests/Peers) into virtual environments under .build/sip2-venv:
#   invenio-sip2 1.0.0 (RERO ILS' server)  -> .build/sip2-venv/invenio
#   pysip2 0.1.0 (strict codec + server)    -> .build/sip2-venv/pysip2
# The tests start and stop the peers themselves (Tests/SIP2IntegrationTests/Peers/sip2_peer.py);
# without these venvs they skip with a message naming this script. Needs python3 with venv.
#   scripts/sip2-peers.sh install
set -euo pipefail
cd "$(dirname "$0")/.."
peers=Tests/SIP2IntegrationTests/Peers
venv=.build/sip2-venv
PY="${PYTHON:-python3}"
case "${1:-install}" in
  install)
    mkdir -p "$venv"
    [ -x "$venv/invenio/bin/python" ] || "$PY" -m venv "$venv/invenio"
    # six: undeclared import of invenio-access / invenio-sip2; fakeredis: in-process Redis.
    "$venv/invenio/bin/pip" install -q --disable-pip-version-check \
        -c "$peers/invenio-sip2.lock.txt" invenio-sip2==1.0.0 fakeredis six
    [ -x "$venv/pysip2/bin/python" ] || "$PY" -m venv "$venv/pysip2"
    "$venv/pysip2/bin/pip" install -q --disable-pip-version-check \
        -c "$peers/pysip2.lock.txt" pysip2==0.1.0
    echo "sip2 peers installed in $venv" ;;
  *) sed -n 2,9p "$0"; exit 2 ;;
esac
