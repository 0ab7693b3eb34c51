"""What a person is told about a region's Connect hours (contract section 6): for each reason Connect gives, what a
person must do; and the texts of the support topic's alerts (:func:`services.connect.sync.alert_once` sends them).

Connect's reasons are its error codes (the API reference's "Errors" of each operation), and a few of our own: a
request the adapter did not send because botocore's model refuses it, another writer that kept changing the hours of
operation, and no answer in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

_RESYNC: Final = 'serverless invoke -f router --stage <stage> -d \'{"operation":"sync-connect","region":"<region>"}\''

ADVICE: Final = {
    "ResourceNotFoundException": (
        "Connect does not know the hours of operation (or the override) named: check that the region's setting "
        "ConnectHoursOfOperationId is the id of an hours of operation of the instance (stage param "
        "connectInstanceArn), correct it in Salesforce, then run `" + _RESYNC + "`."
    ),
    "AccessDeniedException": (
        "The router's role may not make this call on the instance: check that the stage's connectInstanceArn is "
        "the instance that holds the hours of operation, and redeploy the stage so that its role grants it."
    ),
    "InvalidParameterException": (
        "Connect refused the values of this item (its reason above): correct the item in Salesforce (its name, date "
        "or times). If the item looks right, the sync sent something Connect's rules refuse: report it to the "
        "developers with this alert."
    ),
    "InvalidRequestException": (
        "Connect refused the request as a whole (its reason above): check the item in Salesforce and the hours of "
        "operation in Connect's admin website; if both look right, report it to the developers with this alert."
    ),
    "LimitExceededException": (
        "The hours of operation holds Connect's 50 overrides: delete overrides that are no longer needed in "
        "Connect's admin website (those not named cb-, which this system never touches), or holidays in "
        "Salesforce, then run `" + _RESYNC + "`."
    ),
    "DuplicateResourceException": (
        "An override of this name already exists: if someone made one by hand with a name starting cb-, rename "
        "or delete it in Connect's admin website, then run `" + _RESYNC + "`."
    ),
    "NotSettled": (
        "Another writer kept changing the hours of operation during the sync (another sync, or someone in "
        "Connect's admin website). Nothing to do unless this repeats: the next scheduled check completes it."
    ),
}
"""What a person must do, by Connect's reason."""

TRANSIENT: Final = (
    "Connect did not answer in time or asked to slow down (throttling, its own error). Nothing to do unless this "
    "repeats for hours: the scheduled check tries again; then check Connect's service health."
)
"""For every reason a later attempt can clear (throttling, Connect's 5xx, a timeout, a dropped connection)."""

DIFFERS: Final = (
    "Connect will not do what the status lookup answers on these dates (the contact flows' Check hours of "
    "operation block and the function disagree). Open the hours of operation in Connect's admin website, look at "
    "its overrides and calendar for these dates (an override made by hand, a parent hours of operation, a "
    "reading of an override that differs from ours), correct what is wrong, then run `" + _RESYNC + "`. If "
    "Connect reads one of this system's own overrides (cb-) differently from what docs/connect-hours.md "
    "expects, report it to the developers with this alert."
)


def advice(code: str) -> str:
    """What a person must do for Connect's reason ``code``."""
    return ADVICE.get(code, TRANSIENT)


def refused_message(region: str, hours_of_operation: str, refused: Sequence[dict[str, str]]) -> str:
    """The alert of a sync whose writes (or reads) Connect refused: each item, Connect's reason, what to do."""
    lines = [f"Region: {region}", f"Hours of operation: {hours_of_operation}", "Refused:"]
    for item in refused:
        lines.append(f"- {item['item']} ({item['operation']}, {item['code']}): {item['reason']}")
        lines.append(f"  What a person must do: {advice(item['code']).replace('<region>', region)}")
    lines.append(
        "Everything else of the region was written. The scheduled check tries the refused items again; this "
        "alert is sent at most once an hour per region."
    )
    return "\n".join(lines)


def differs_message(region: str, hours_of_operation: str, differences: Sequence[str]) -> str:
    """The alert of a read-back that found Connect's hours not ours: each date, Connect's hours and ours."""
    return "\n".join(
        [
            f"Region: {region}",
            f"Hours of operation: {hours_of_operation}",
            "Dates on which Connect's effective hours differ from the status lookup's:",
            *(f"- {difference}" for difference in differences),
            "What a person must do: " + DIFFERS.replace("<region>", region),
            "This alert is sent at most once a day per region.",
        ]
    )


def left_out_message(region: str, hours_of_operation: str, left_out: Sequence[str]) -> str:
    return "\n".join(
        [
            f"Region: {region}",
            f"Hours of operation: {hours_of_operation}",
            "Past Connect's 50 overrides per hours of operation, not made: " + ", ".join(left_out),
            "What a person must do: " + ADVICE["LimitExceededException"].replace("<region>", region),
            "This alert is sent at most once an hour per region.",
        ]
    )
