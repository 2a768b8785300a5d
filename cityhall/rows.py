"""Model instances made from database rows at a fraction of the cost. Django makes each one
through ``Model.__init__`` (a signal sent before and after, a ``setattr`` per field): 4 to 5
microseconds an instance, 18 to 20 for a Wagtail page, and a page reads 30 to 150 of them (a
topic's posts, the directory's members and their organizations, the knowledge cards), with the
bell's checks on every page. Where that construction does nothing but store the row's values,
``install()`` has ``Model.from_db`` store them in the instance's ``__dict__`` directly: 1.2
microseconds. The instance is the same (its state, values and deferred fields); what the ORM
does with it afterwards is unchanged.

Django's own construction is kept for a model that:
- has an ``__init__`` of its own that nobody declared to do nothing for a row read from the
  database (``loads_as_stored``: knowledge declares Wagtail's, which act on new pages only);
- has a receiver of ``pre_init`` or ``post_init`` at the time of the call;
- has a field whose attribute does more than store a value when set, or than convert it
  (``loads_as_stored``: a StreamField turns its JSON into blocks, and still does)."""

import inspect

from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

# Attributes whose __set__ only stores the value on a new instance: a foreign key's forgets a
# cached related object (a new instance has none), an image's updates width and height fields
# when it replaces a file (a new instance has none; its post_init receiver reads them).
_STORING = {ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor}
# Attributes whose __set__ stores the value converted, reading nothing else: set as Django sets
# them, after the others are stored.
_CONVERTING: set[type] = set()
_PLAIN_INITS = {Model.__init__}
_django_from_db = Model.from_db.__func__
_plans: dict[type, tuple | None] = {}
_UNPLANNED = object()
_loaded_names: dict[tuple, list[str]] = {}  # (model, the names a query loads): in field order


def install() -> None:
    Model.from_db = classmethod(from_db)


def loads_as_stored(*, inits=(), converting=()) -> None:
    """Declare ``__init__`` methods (of a library's models) that do nothing for a row read from
    the database, and attribute types whose ``__set__`` only stores the value converted."""
    _PLAIN_INITS.update(inits)
    _CONVERTING.update(converting)
    _plans.clear()
    _loaded_names.clear()


def from_db(cls, db, field_names, values, *, fetch_mode=None):
    plan = _plans.get(cls, _UNPLANNED)
    if plan is _UNPLANNED:
        plan = _plans[cls] = _plan(cls)
    if plan is None or signals.pre_init.has_listeners(cls) or signals.post_init.has_listeners(cls):
        return _django_from_db(cls, db, field_names, values, fetch_mode=fetch_mode)
    names, converted = plan
    new = cls.__new__(cls)
    state = new._state = ModelState()
    state.adding = False
    state.db = db
    if fetch_mode is not None:
        state.fetch_mode = fetch_mode
    if len(values) != len(names):  # deferred fields: the values of field_names, in field order
        names = _loaded(cls, names, field_names)
    stored = new.__dict__
    stored.update(zip(names, values, strict=True))
    for name in converted:
        if name in stored:
            setattr(new, name, stored.pop(name))
    return new


def _loaded(cls, names: tuple, field_names) -> list[str]:
    key = (cls, tuple(field_names))
    loaded = _loaded_names.get(key)
    if loaded is None:
        loaded = _loaded_names[key] = [name for name in names if name in field_names]
    return loaded


def _plan(cls) -> tuple | None:
    """(the attribute names of ``cls``'s columns in order, those set through their attribute),
    or None where Django's construction does more than store them."""
    for klass in cls.__mro__:
        if klass is Model:
            break
        if "__init__" in vars(klass) and vars(klass)["__init__"] not in _PLAIN_INITS:
            return None
    if cls.__setattr__ is not Model.__setattr__:
        return None
    names, converted = [], []
    for field in cls._meta.concrete_fields:
        kind = type(inspect.getattr_static(cls, field.attname, None))
        if kind in _CONVERTING:
            converted.append(field.attname)
        elif hasattr(kind, "__set__") and kind not in _STORING:
            return None
        names.append(field.attname)
    return tuple(names), tuple(converted)
