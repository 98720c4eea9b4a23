#!/usr/bin/env bash
# Set everything up and run the whole test suite: on SQLite, then on a throwaway PostgreSQL
# cluster, with the browser tests in Debian's chromium. Both passes run on every core
# (pytest-xdist; XF_WORKERS=1 for one process). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need_apt+=(postgresql)
# A CJK font so screenshots of Chinese pages are readable.
{ command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .; } || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "${XF_NO_APT:-}" ]; then
    echo "== 安装系统软件包：${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "== 缺少系统软件包：${need_apt[*]}（以 root 运行 apt-get install ${need_apt[*]} 后可完整测试）"
  fi
fi

bash scripts/setup.sh requirements-dev.txt
export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium || true)}

WORKERS=${XF_WORKERS:-auto}
pytest_args=(-q -p no:cacheprovider)
[ "$WORKERS" = 1 ] || pytest_args+=(-n "$WORKERS")

status=0
echo "== 测试（SQLite）"
TIMEFORMAT="== SQLite 用时 %1lR（CPU：用户 %1lU + 系统 %1lS）"
time .venv/bin/python -m pytest "${pytest_args[@]}" "$@" || status=$?

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$PGBIN" ] && [ -z "${XF_SKIP_PG:-}" ]; then
  echo "== 测试（PostgreSQL）"
  SECONDS=0
  # The throwaway cluster lives in memory where it can: each test clones a template database,
  # and on disk that copying was a third of the pass (PostgreSQL pass 2:20 -> 1:25).
  pg_root=/tmp; [ -d /dev/shm ] && [ -w /dev/shm ] && pg_root=/dev/shm
  PGDATA=$(mktemp -d "$pg_root/xf-pg.XXXXXX")
  PGPORT=${XF_PG_PORT:-54329}
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGDATA"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA" -A trust -U xf -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  trap '"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1; rm -rf "$PGDATA"' EXIT
  TIMEFORMAT="== PostgreSQL 用时 %1lR（CPU：用户 %1lU + 系统 %1lS；另有建库 ${SECONDS}s）"
  export TEST_DATABASE_URL="postgresql+psycopg://xf@127.0.0.1:$PGPORT/postgres"
  time .venv/bin/python -m pytest "${pytest_args[@]}" -m "not browser" "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "CI 环境缺少 PostgreSQL，无法完成双数据库测试。"; status=1
fi
exit $status
