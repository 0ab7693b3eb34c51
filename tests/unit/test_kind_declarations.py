"""What each kind declares about itself (services/kinds/base.py, ``Kind``), held true for every kind of the registry.

A kind says how a message names one of its items (``one``), where it stands in the ``Config_Type__c`` picklist
(``picklist_position``) and which of its items shape Connect's hours (``connect_hours``; the stream's filter and the
Connect sync follow it: tests/unit/test_stream_mapping.py). A new kind's slip (``a Announcement``, two kinds at one
position) fails here, not in front of a business user.
"""

from __future__ import annotations

import pytest

from local_aws.builders import change_event
from services.kinds import KINDS
from services.kinds.base import Kind
from services.models.config_change import InvalidConfigChange, parse_config_change

VOWELS = frozenset("AEIOUaeiou")
"""A noun that starts with one takes ``an`` (``an Announcement``); the kinds' names are English nouns."""


def article_problem(kind: Kind) -> str | None:
    """Why ``kind.one`` does not name one item of the kind with the right article; None: it does."""
    if kind.one == kind.name:
        return None  # a noun that takes no article (``Hours``)
    article, _, noun = kind.one.partition(" ")
    if noun != kind.name:
        return f"{kind.one!r} does not end with the kind's name {kind.name!r}"
    expected = "an" if kind.name[:1] in VOWELS else "a"
    return None if article == expected else f"{kind.one!r}: {kind.name} takes {expected!r}"


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_a_kind_names_one_item_with_the_article_its_name_takes(kind: Kind) -> None:
    assert article_problem(kind) is None


def test_the_article_check_fails_on_a_wrong_article() -> None:
    kind = next(iter(KINDS.values()))
    assert article_problem(kind._replace(name="Announcement", one="a Announcement")) is not None
    assert article_problem(kind._replace(name="Announcement", one="an Announcement")) is None
    assert article_problem(kind._replace(name="Holiday", one="an Holiday")) is not None


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_a_message_about_a_kind_names_one_item_as_the_kind_declares(kind: Kind) -> None:
    """The request model's wording comes from the declaration (a Fail for a missing subject field)."""
    invalid = parse_config_change(
        change_event({"Action__c": "Add", "Config_Type__c": kind.name, "Region__c": "US-East"})
    )
    assert isinstance(invalid, InvalidConfigChange)
    assert f"{kind.subject_field.name}: required for {kind.one}" in invalid.problems


def test_the_kinds_stand_in_the_order_of_their_picklist_positions_each_at_its_own() -> None:
    positions = [kind.picklist_position for kind in KINDS.values()]
    assert positions == sorted(positions)
    assert positions == list(range(1, len(KINDS) + 1)), "positions 1, 2, ...: none shared, none skipped"
