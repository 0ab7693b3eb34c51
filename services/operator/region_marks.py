"""The operator's ``mark-regions``: the region marks (``regionKnown``, contract section 4) written from the items.

The inbound write keeps each region's mark as it writes (services.aws.table.config_items); a table written before
the marks existed, or restored from a backup made before, has items without marks, and its regions would answer
``regionKnown=false``. This request writes every region's mark from its live items, once (a Scan of the table,
keys only, then one UpdateItem per region). Adding keys to a set repeats harmlessly: running it twice, or while
changes arrive, leaves every mark right. It marks no region unknown (a Delete's own write does that).
"""

from __future__ import annotations

from typing import Any

from services.aws.table.region_items import live_items_by_region, mark_region
from services.platform.observability import logger


def mark_regions_operation(_: dict[str, Any]) -> dict[str, Any]:
    """``{"operation": "mark-regions"}``: ``{"regions": {region: live items}}``, every region marked known."""
    by_region = live_items_by_region()
    for region, sort_keys in sorted(by_region.items()):
        for start in range(0, len(sort_keys), 1000):  # a set of 1000 keys is about 25 KB: well under 400 KB
            mark_region(region, sort_keys[start : start + 1000])
    logger.info("region marks written", extra={"regions": len(by_region)})
    return {"regions": {region: len(keys) for region, keys in sorted(by_region.items())}}
