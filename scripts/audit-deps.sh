#!/usr/bin/env bash
# Dependency audit for CI: pip-audit over the packages installed in .venv (run after `make test`, which
# installs them). Known vulnerabilities that have no fix or do not apply are listed, each with a reason, in
# scripts/audit-ignore.txt. If the vulnerability service cannot be reached, this says so loudly and exits 0:
# CI must not break on a network blip, and a skipped audit must not look like a clean one.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
IGNORE_FILE=${AUDIT_IGNORE_FILE:-scripts/audit-ignore.txt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ignore_args=()
while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "${line// }" || "$line" == \#* ]] && continue
    read -r id reason <<<"$line"
    if [[ -z "${reason:-}" ]]; then
        echo "audit-deps: $IGNORE_FILE: '$id' has no reason; every ignored vulnerability needs one" >&2
        exit 2
    fi
    ignore_args+=(--ignore-vuln "$id")
done < "$IGNORE_FILE"

"$BIN/pip-audit" --local --skip-editable --progress-spinner off --timeout 20 --format json \
    --output "$work/report.json" "${ignore_args[@]}" 2>"$work/stderr"
audit_status=$?

"$BIN/python" - "$work/report.json" "$work/stderr" "$audit_status" <<'PY'
import json
import sys
from pathlib import Path

report, stderr, status = Path(sys.argv[1]), Path(sys.argv[2]).read_text(errors="replace"), int(sys.argv[3])
unreachable = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out", "Temporary failure")
if not report.exists() or not report.read_text().strip():
    if any(marker in stderr for marker in unreachable):
        print("audit-deps: WARNING: the vulnerability service could not be reached; the dependency audit was NOT "
              "done (not failing CI for a network problem).")
        print("  " + stderr.strip().splitlines()[-1][:300])
        sys.exit(0)
    print("audit-deps: pip-audit failed:\n" + stderr[-3000:])
    sys.exit(1)

dependencies = json.loads(report.read_text())["dependencies"]
skipped = [d for d in dependencies if "skip_reason" in d]
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
if dependencies and not audited:
    print(f"audit-deps: WARNING: the vulnerability service answered for none of the {len(dependencies)} "
          "installed packages; the dependency audit was NOT done (not failing CI for a network problem).")
    print(f"  e.g. {skipped[0]['skip_reason']}")
    sys.exit(0)
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
        print(f"audit-deps: {dependency['name']} {dependency['version']}: {vuln['id']} (fix: {fixes})")
print(f"audit-deps: {len(audited)} packages audited, {len(skipped)} skipped, {len(vulnerable)} with known "
      "vulnerabilities not in scripts/audit-ignore.txt")
if skipped:
    print("  skipped: " + ", ".join(d["name"] for d in skipped[:20]) + (" ..." if len(skipped) > 20 else ""))
sys.exit(1 if vulnerable else 0)
PY
