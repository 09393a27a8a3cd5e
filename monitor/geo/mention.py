"""A place mention: where a name stands in a field and what is written around it.

Made by `monitor.geo.mentions` (one per kept hit of the automaton), read by
`surfaces` and `resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass


# Not frozen: a frozen dataclass's __init__ sets each of the 14 fields through
# object.__setattr__ (3 us a mention, ~4% of matching). A mention is never
# changed in place (changes go through `replace`), and hashes by value as before.
@dataclass(slots=True, unsafe_hash=True)
class Mention:
    field: str
    start: int  # character offsets in the field text
    end: int
    text: str  # as written
    key: str  # name_key of the surface form
    demonym: bool
    common: bool  # the surface is a frequent English word
    sentence_start: bool
    qualifier: tuple[int, ...]  # area ids named right after a comma
    qualifies: bool = False  # this mention is the qualifier of the one before
    # The qualifier is unmistakably one (`Stroud, Ontario, Canada`, `Holliday,
    # Mo. -`): a region by its main sense, ending the name. A town with no sense
    # in it is one the gazetteer lacks, not a same-named town elsewhere.
    firm: bool = False
    # Written as a town by local news: `Lebanon police`, `Albany officers`,
    # `downtown Huntington`, `the Salina city council`. A country is never what that means.
    local: bool = False
    # Written as a region: `the state of Washington`, `New York Governor`.
    regional: bool = False
    # The name of a park, bay or beach (`Islington Bay`, `Richmond Park`): such
    # places are often named after a town far away, so the town needs local evidence.
    feature: bool = False
    # `LIMA -` opening a story, with no wire's tag (`(AP)`) or qualifier: a local
    # paper's own town, so its home region's sense is meant, whatever its size.
    own_dateline: bool = False
    # Written as a town outright: `the town of Tillaberi`, `the village of Sotk`.
    town: bool = False
    # A wire's dateline with no qualifier: `GENEVA (Reuters) -`. A wire qualifies
    # every town but the best known of its name (`GENEVA, Ill. (AP)`).
    wire_dateline: bool = False
