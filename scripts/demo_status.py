"""For `make demo`: the status files (key and content) and e-mail subjects, read from the function's log lines.

The status fan-out logs, per outcome, a DEBUG line "status file" (key, columns; the message by its length only, since
it can hold a holiday's name) and an INFO line "outcome sent" (key, e-mail subject); the local stage logs at DEBUG.
Reads `serverless invoke local` output on stdin.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    files: dict[str, dict[str, str]] = {}
    for line in sys.stdin:
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        key = entry.get("status_file")
        if not isinstance(key, str):
            continue
        shown = files.setdefault(key, {})
        if entry.get("message") == "status file":
            columns = entry.get("columns") if isinstance(entry.get("columns"), dict) else {}
            shown["content"] = ",".join(str(name) for name in columns) + "\n" + ",".join(map(str, columns.values()))
            shown["file"] = str(entry.get("file", ""))
        elif "subject" in entry:
            shown["subject"] = str(entry["subject"])
            shown["emailed"] = "sent" if entry.get("emailed") else "not sent again"
    for key in sorted(files):
        shown = files[key]
        print(f"  status file {key} ({shown.get('file', '?')})")
        for row in shown.get("content", "").splitlines():
            print(f"    | {row}")
        print(f"  e-mail ({shown.get('emailed', '?')}): {shown.get('subject', '?')}")


if __name__ == "__main__":
    main()
