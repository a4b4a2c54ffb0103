#!/usr/bin/env bash
# Makes docs/report.png: the HTML report of `boilerkit evaluate --report`, shot in headless
# Chromium (apt-get install -y chromium).
#
#   bash docs/make_screenshot.sh                      # a model trained here on half the sample
#   MODEL=models/default.joblib bash docs/make_screenshot.sh
#
# Without MODEL, the sample pages (data/sample.jsonl.gz) are split by page: a small model is
# trained on the odd pages and the report scores it on the even ones, so what the report
# shows is held-out behaviour, not training error.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'EOF'
import json, sys
from boilerkit.io import read_labelled
pages = read_labelled(["data/sample.jsonl.gz"])
for name, part in (("train", pages[1::2]), ("test", pages[0::2])):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps(page, ensure_ascii=False) + "\n" for page in part)
EOF

if [ -z "${MODEL:-}" ]; then
    MODEL="$work/half-sample.joblib"
    boilerkit train "$work/train.jsonl" -o "$MODEL" --max-iter 100
fi
boilerkit evaluate "$work/test.jsonl" --model "$MODEL" --report "$work/report"

chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$work/chromium" \
    --screenshot="$PWD/docs/report.png" --window-size=1280,3600 "file://$work/report/index.html"
echo "wrote docs/report.png"
