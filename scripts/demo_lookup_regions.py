"""make demo: the regions that the Connect lookup sample events ask about, written into the local table.

A stand-in for the inbound leg (Salesforce -> AppFlow -> router) until the demo drives the whole loop: the
items follow services/aws/table/config_items.py and services/kinds/.
Sydney gets a whole-day holiday on today's Sydney date, so one lookup
answers closedNow=true whenever the demo runs.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3

TABLE = os.environ.get("TABLE_NAME", "config-bridge-local-config")
# Configuration made before any sample change (the inbound write's changedAt format: UTC, milliseconds, Z), so
# that the config-change sample events, newer, apply over it instead of being refused as superseded.
CHANGED_AT = "2026-01-01T00:00:00.000Z"


def put(region: str, sort_key: str, **attributes: str) -> None:
    kind, _, subject = sort_key.partition("#")
    item = {
        "PK": {"S": f"REGION#{region}"},
        "SK": {"S": sort_key},
        "itemType": {"S": kind},
        "region": {"S": region},
        ("date" if kind == "HOLIDAY" else "key"): {"S": subject},
        "changedAt": {"S": CHANGED_AT},
        "requestKey": {"S": f"uuid:demo-{region}-{subject}"},
    }
    item.update({name: {"S": value} for name, value in attributes.items()})
    boto3.client("dynamodb").put_item(TableName=TABLE, Item=item)
    print(f"   {region:8} {sort_key:28} {', '.join(f'{k}={v}' for k, v in attributes.items())}")


def main() -> None:
    sydney_today = datetime.now(ZoneInfo("Australia/Sydney")).date().isoformat()
    put("US-East", "SETTING#TimeZone", value="America/New_York")
    put("US-East", "SETTING#EmergencyMessage", value="Snow storm: the center opens at 10:00")
    put("US-East", "HOLIDAY#2026-12-25", name="Christmas Day")
    put("Sydney", "SETTING#TimeZone", value="Australia/Sydney")
    put("Sydney", f"HOLIDAY#{sydney_today}", name="Demo Day (closed all day)")


if __name__ == "__main__":
    main()
