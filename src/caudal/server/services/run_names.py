"""Friendly names for flow runs that were not given one ("brisk-heron")."""

from __future__ import annotations

import secrets

__all__ = ["random_run_name"]

_ADJECTIVES = (
    "amber", "ancient", "bold", "brave", "bright", "brisk", "calm", "clever", "cosmic", "crimson",
    "curious", "daring", "dapper", "eager", "electric", "emerald", "fearless", "gentle", "golden",
    "graceful", "hidden", "humble", "icy", "jolly", "keen", "lively", "lucky", "mellow", "misty",
    "nimble", "noble", "olive", "patient", "quiet", "rapid", "rustic", "sapphire", "scarlet",
    "silent", "silver", "steady", "sunny", "swift", "tidy", "vivid", "wandering", "witty", "zesty",
)
_NOUNS = (
    "albatross", "anaconda", "badger", "beaver", "bison", "capybara", "caracal", "cheetah",
    "condor", "coyote", "crane", "dingo", "dolphin", "eagle", "falcon", "ferret", "gazelle",
    "gecko", "heron", "ibis", "jaguar", "kestrel", "koala", "lemur", "lynx", "macaw", "manatee",
    "marmot", "narwhal", "ocelot", "otter", "panda", "pelican", "puffin", "quokka", "raven",
    "salmon", "seal", "sparrow", "tapir", "toucan", "walrus", "wombat", "yak", "zebra",
)


def random_run_name() -> str:
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}"
