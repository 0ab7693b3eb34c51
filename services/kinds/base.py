"""What a config kind is: its request fields and their rules, its stored item, its record, its messages.

A kind module (``holiday.py``, ``setting.py``) says everything about one kind of configuration; the registry
(:mod:`services.kinds`) drives the request model's type list and field rules, the inbound write, the table's item
builders and the lookup, so that nothing else branches on a kind's name. No pydantic here: the Connect route reads
records through these modules on its cold path.

Values travel as plain strings by Salesforce API name (``Holiday_Date__c``), trimmed, absent when empty.

The kinds and their records are plain classes with slots (:class:`Record`), not named tuples: defining a named
tuple costs every Connect cold start about 0.8 million instructions (docs/architecture.md, "Plain records").
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar, Final, Self

Values = Mapping[str, str]
"""A request's kind fields by Salesforce API name: trimmed, only the non-empty ones."""
Attributes = Mapping[str, str]
"""A stored item's attributes (besides keys and bookkeeping) as plain strings."""

ACTIONS: Final = frozenset({"Add", "Delete"})


class Pattern:
    """A regular expression compiled when a value is first matched against it (``re`` keeps it in its cache), not at
    import: the kinds declare a dozen, a Connect lookup matches none of them, and compiling one costs a cold start 0.5
    to 1 million instructions (docs/benchmarks.md, "Where the instructions go")."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def fullmatch(self, value: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, value)


DATE: Final = Pattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME_OF_DAY: Final = Pattern(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""In :meth:`datetime.date.weekday` order."""


class Record:
    """A kind (:class:`Kind`), a field (:class:`FieldSpec`) or a kind's read record (:class:`~services.kinds.holiday.
    Holiday`, ...): a plain class with slots, read-only by convention, that compares, hashes, copies (``_replace``)
    and shows itself by its fields (its ``_fields``, in order) as the named tuple it replaced did. A named tuple
    costs every Connect cold start about 0.8 million instructions to define (docs/architecture.md, "Plain
    records")."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The fields in order (the class's ``__slots__``)."""

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def _replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (as a named tuple's ``_replace``)."""
        return type(self)(**{name: getattr(self, name) for name in self._fields} | changes)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


class FieldSpec(Record):
    """One request field a kind uses."""

    _fields = ("name", "rule", "valid", "longest", "actions", "required")
    __slots__ = _fields

    name: str
    """The Salesforce API name (``Holiday_Date__c``)."""
    rule: str
    """What the field allows, in a business user's words: the Fail message when :meth:`allows` refuses a value."""
    valid: Callable[[str], bool]
    """The field's own test of a value, besides its length (:attr:`longest`)."""
    longest: int
    """The longest value the kind allows, in characters: a longer one is refused whatever ``valid`` says. Salesforce
    must hold it on the event and the request (``tests/integration/test_field_lengths.py``)."""
    actions: frozenset[str]
    """The actions that use the field (by default both); with any other, a value is a Fail naming it."""
    required: frozenset[str]
    """The actions that need it (by default none)."""

    def __init__(
        self,
        name: str,
        rule: str,
        valid: Callable[[str], bool],
        longest: int,
        actions: frozenset[str] = ACTIONS,
        required: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.rule = rule
        self.valid = valid
        self.longest = longest
        self.actions = actions
        self.required = required

    def allows(self, value: str) -> bool:
        """Whether the kind allows ``value`` here, the rules that join fields aside (the request model's check of a
        field)."""
        return len(value) <= self.longest and self.valid(value)


ADD: Final = frozenset({"Add"})


def naming_field(name: str, rule: str, valid: Callable[[str], bool], *, longest: int) -> FieldSpec:
    """The field that names a kind's item within its region (its subject): every action needs it."""
    return FieldSpec(name, rule, valid, longest, required=ACTIONS)


def add_field(name: str, rule: str, valid: Callable[[str], bool], *, longest: int, required: bool = True) -> FieldSpec:
    """A field only an Add uses (with a Delete a value is a Fail naming it); by default an Add needs it."""
    return FieldSpec(name, rule, valid, longest, actions=ADD, required=ADD if required else frozenset())


def is_date(value: str) -> bool:
    """Whether ``value`` is a calendar date ``YYYY-MM-DD`` (``2026-02-30`` is not)."""
    if not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def any_text(value: str) -> bool:
    """Free text: any value up to the field's :attr:`FieldSpec.longest`."""
    return True


def matching(pattern: Pattern) -> Callable[[str], bool]:
    return lambda value: pattern.fullmatch(value) is not None


class Kind(Record):
    """One kind of configuration. Subclasses fill in the hooks; the generic parts live here."""

    _fields = (
        "name",
        "one",
        "picklist_position",
        "subject_field",
        "identity_attribute",
        "other_fields",
        "read_attributes",
        "connect_hours",
    )
    __slots__ = _fields

    name: str
    """The ``Config_Type__c`` value (``Holiday``): Salesforce must hold it (a test holds it against the event's
    ``Config_Type__c`` length and the request's picklist)."""
    one: str
    """One item of the kind in a message, with its article: ``a Holiday``, ``an Announcement``; ``Hours`` takes
    none (a test holds the article against the noun)."""
    picklist_position: int
    """Where the kind stands in the ``Config_Type__c`` picklist (1 first) and in :data:`services.kinds.KINDS`."""
    subject_field: FieldSpec
    """The field that names the item within its region (``Holiday_Date__c``; :func:`naming_field`); by default its
    sort key after ``#``."""
    identity_attribute: str
    """The stored attribute that holds the subject (``date``), kept on a tombstone too."""
    other_fields: tuple[FieldSpec, ...]
    """The request's other fields of this kind (:func:`add_field` for an Add's values); by default none."""
    read_attributes: tuple[str, ...]
    """What a lookup reads of the stored item (besides its keys); by default nothing."""
    connect_hours: bool | frozenset[str]
    """Whether a change of the kind's items shapes Amazon Connect's hours of operation (:mod:`services.connect`):
    ``True`` every item, a set of item keys only those (a setting's key), ``False`` none. The Connect sync of the
    table's stream and the stream's filter (infra/messaging.yml) follow it. By default ``False``."""

    def __init__(
        self,
        name: str,
        one: str,
        picklist_position: int,
        subject_field: FieldSpec,
        identity_attribute: str,
        other_fields: tuple[FieldSpec, ...] = (),
        read_attributes: tuple[str, ...] = (),
        connect_hours: bool | frozenset[str] = False,
    ) -> None:
        self.name = name
        self.one = one
        self.picklist_position = picklist_position
        self.subject_field = subject_field
        self.identity_attribute = identity_attribute
        self.other_fields = other_fields
        self.read_attributes = read_attributes
        self.connect_hours = connect_hours

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """Every request field of the kind, its subject first."""
        return (self.subject_field, *self.other_fields)

    @property
    def item_type(self) -> str:
        """The stored item's ``itemType`` and its sort key's prefix: the name in capitals (``HOLIDAY``)."""
        return self.name.upper()

    def shapes_connect_hours(self, item_key: str) -> bool:
        """Whether a change of the item ``item_key`` (its sort key after ``#``) can change Connect's hours."""
        return self.connect_hours is True or (
            isinstance(self.connect_hours, frozenset) and item_key in self.connect_hours
        )

    # --- the request ------------------------------------------------------------------------------------------

    def field_named(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def rules(self, action: str, values: Values, broken: frozenset[str]) -> dict[str, str]:
        """Rules that join fields: ``{field: why}``. ``values`` holds the fields that are valid alone; a rule that
        involves a field in ``broken`` (its own error is reported) is not checked."""
        return {}

    def subject(self, values: Values) -> str:
        """What a change is about within its region (a date, a key): the item's identity."""
        return values.get(self.subject_field.name, "")

    # --- the stored item --------------------------------------------------------------------------------------

    def item_key(self, values: Values) -> str:
        """The item's name within its region: its sort key after ``<item_type>#``, what :meth:`record` is given
        back. By default the subject; a kind whose items are named by several fields (a Yearly holiday is kept by
        month and day, apart from the dated one) says so here, and in :meth:`identity`."""
        return self.subject(values)

    def sort_key(self, values: Values) -> str:
        return f"{self.item_type}#{self.item_key(values)}"

    def sort_key_of(self, subject: str) -> str:
        """The sort key of the region's item about ``subject`` (a setting's key, a weekday): what a lookup asks for."""
        return self.sort_key({self.subject_field.name: subject})

    def identity(self, values: Values) -> dict[str, str]:
        """The attributes that name the item (kept on its tombstone too)."""
        return {self.identity_attribute: self.subject(values)}

    # --- the region's index -------------------------------------------------------------------------------------

    def index_key(self, values: Values) -> str | None:
        """The sort key of a region-wide item that a change also keeps up to date, in the same transaction (the
        region's seasons, which the lookup reads in its one read and a rule checks a new one against); None: the
        change touches its own item only (the default)."""
        return None

    def indexed(self, action: str, values: Values, index: Attributes | None) -> tuple[dict[str, str], dict[str, str]]:
        """The index's attributes after this change (``index``: as read, None when absent), and the rules that need the
        region's other items, broken: ``{field: why}`` (the change is then a Fail). Only called when
        :meth:`index_key` names an index."""
        raise NotImplementedError

    def stored(self, values: Values) -> dict[str, str]:
        """The attributes an Add stores, its identity included."""
        raise NotImplementedError

    def record(self, item_key: str, attributes: Attributes) -> object:
        """The record a lookup reads back from a live item (``item_key``: the sort key after ``<item_type>#``)."""
        raise NotImplementedError

    # --- what a business user reads ---------------------------------------------------------------------------

    def described(self, values: Values) -> str:
        """``holiday on 2026-12-25``: the item in a sentence."""
        raise NotImplementedError

    def added(self, region: str, values: Values) -> tuple[str, str]:
        """The Success message of an Add and the summary of what changed."""
        raise NotImplementedError

    def removed(self, region: str, values: Values) -> tuple[str, str]:
        described = self.described(values)
        return f"{described[0].upper()}{described[1:]} removed for {region}", f"{described} removed"

    def nothing_to_remove(self, region: str, values: Values) -> str:
        return f"no {self.described(values)} for {region}"
