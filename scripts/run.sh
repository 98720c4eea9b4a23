#!/usr/bin/env bash
# Set everything up and start the app on SQLite with the demo office at http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
export FLASK_APP=app
# A random secret key, made once for this office and kept in instance/ (readable by this user only).
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p instance
  if [ ! -s instance/secret_key ]; then
    (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(48))" > instance/secret_key)
  fi
  SECRET_KEY=$(cat instance/secret_key)
  export SECRET_KEY
fi
.venv/bin/flask db upgrade
.venv/bin/flask seed-holidays >/dev/null
.venv/bin/flask seed-demo --if-empty
PORT=${PORT:-5000}
cat <<MSG

信访事项管理台已启动： http://127.0.0.1:$PORT
演示账号（密码均为 demo1234）：
  admin      系统管理员
  clerk      信访办登记员
  leader     领导（副县长，分管信访）
  archivist  档案员
  handler1   承办人（县住房和城乡建设局）
  handler2   承办人（县人力资源和社会保障局）
  handler3   承办人（县纪委监委）
  handler4…handler9  承办人（自然资源局、教育局、卫健委、城关镇、河口镇、信访局办信科）
  leader2    领导（县长）   leader3  领导（县信访局局长）
按 Ctrl+C 停止。
MSG
exec .venv/bin/flask run --host 127.0.0.1 --port "$PORT"
