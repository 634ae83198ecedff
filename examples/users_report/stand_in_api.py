"""A local stand-in for https://randomuser.me, so the tutorial runs without the internet.

Answers `GET /api/?results=N&format=csv|json[&seed=S]` with N fake users in randomuser's shapes
(its 34 CSV columns, its nested JSON). Users are generated from the seed alone, so the same query
always gets the same answer. Use `serve()` from Python, or run `python stand_in_api.py --port 0`.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import random
import string
import threading
import unicodedata
import uuid
from datetime import datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_RESULTS = 5000
DEFAULT_SEED = "caudal"

# Ages are computed against a fixed day, not today, so an answer never changes over time.
REFERENCE_DAY = datetime(2025, 1, 1)

# randomuser's `format=csv` header: the JSON record flattened with dotted names, in this order.
CSV_COLUMNS = (
    "gender",
    "name.title",
    "name.first",
    "name.last",
    "location.street.number",
    "location.street.name",
    "location.city",
    "location.state",
    "location.country",
    "location.postcode",
    "location.coordinates.latitude",
    "location.coordinates.longitude",
    "location.timezone.offset",
    "location.timezone.description",
    "email",
    "login.uuid",
    "login.username",
    "login.password",
    "login.salt",
    "login.md5",
    "login.sha1",
    "login.sha256",
    "dob.date",
    "dob.age",
    "registered.date",
    "registered.age",
    "phone",
    "cell",
    "id.name",
    "id.value",
    "picture.large",
    "picture.medium",
    "picture.thumbnail",
    "nat",
)

# A few nationalities, each with just enough names and places to look plausible.
NATIONALITIES: dict[str, dict[str, Any]] = {
    "BR": {
        "country": "Brazil",
        "male": ["João", "Pedro", "Lucas", "Thiago", "Rafael", "Bruno"],
        "female": ["Ana", "Júlia", "Mariana", "Beatriz", "Larissa", "Camila"],
        "last": ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Gonçalves"],
        "streets": ["Rua São Jorge", "Avenida Brasil", "Rua das Flores", "Rua Treze de Maio"],
        "places": [
            ("Rio de Janeiro", "Rio de Janeiro"),
            ("Niterói", "Rio de Janeiro"),
            ("Campinas", "São Paulo"),
            ("Recife", "Pernambuco"),
        ],
        "postcode": "#####",
        "phone": "(##) ####-####",
        "id": ("CPF", "###.###.###-##"),
    },
    "US": {
        "country": "United States",
        "male": ["James", "Michael", "Daniel", "Ethan", "Samuel", "Logan"],
        "female": ["Emma", "Olivia", "Grace", "Hannah", "Abigail", "Chloe"],
        "last": ["Johnson", "Miller", "Davis", "Walker", "Young", "Carter", "Hughes"],
        "streets": ["Oak Lawn Ave", "Pecan Acres Ln", "Hickory Creek Dr", "W Sherman Dr"],
        "places": [
            ("Billings", "Montana"),
            ("Tacoma", "Washington"),
            ("Dayton", "Ohio"),
            ("Fresno", "California"),
        ],
        "postcode": "#####",
        "phone": "(###) ###-####",
        "id": ("SSN", "###-##-####"),
    },
    "GB": {
        "country": "United Kingdom",
        "male": ["Oliver", "Harry", "George", "Jack", "Alfie", "Charlie"],
        "female": ["Amelia", "Isla", "Poppy", "Ella", "Freya", "Evie"],
        "last": ["Smith", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts"],
        "streets": ["High Street", "Church Lane", "Victoria Road", "Mill Lane"],
        "places": [
            ("Leeds", "West Yorkshire"),
            ("Bristol", "Avon"),
            ("Norwich", "Norfolk"),
            ("Chester", "Cheshire"),
        ],
        "postcode": "@@# #@@",
        "phone": "0##### ### ###",
        "id": ("NINO", "@@ ## ## ## @"),
    },
    "FR": {
        "country": "France",
        "male": ["Louis", "Hugo", "Arthur", "Jules", "Théo", "Mathis"],
        "female": ["Léa", "Chloé", "Manon", "Camille", "Inès", "Zoé"],
        "last": ["Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard"],
        "streets": ["Rue de la Paix", "Place du Village", "Rue Pasteur", "Avenue Jean-Jaurès"],
        "places": [
            ("Lyon", "Rhône"),
            ("Nantes", "Loire-Atlantique"),
            ("Rennes", "Ille-et-Vilaine"),
            ("Toulouse", "Haute-Garonne"),
        ],
        "postcode": "#####",
        "phone": "0#-##-##-##-##",
        "id": ("INSEE", "# ## ## ##### ### ##"),
    },
    "DE": {
        "country": "Germany",
        "male": ["Lukas", "Felix", "Jonas", "Leon", "Paul", "Maximilian"],
        "female": ["Anna", "Lena", "Sophie", "Marie", "Lea", "Hannah"],
        "last": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner"],
        "streets": ["Bahnhofstraße", "Gartenweg", "Lindenstraße", "Schulstraße"],
        "places": [
            ("Leipzig", "Sachsen"),
            ("Bremen", "Bremen"),
            ("Kassel", "Hessen"),
            ("Ulm", "Baden-Württemberg"),
        ],
        "postcode": "#####",
        "phone": "0###-#######",
        "id": ("SVNR", "## ###### @ ###"),
    },
}

TIMEZONES = (
    ("-3:00", "Brazil, Buenos Aires, Georgetown"),
    ("-5:00", "Eastern Time (US & Canada), Bogota, Lima"),
    ("0:00", "Western Europe Time, London, Lisbon, Casablanca"),
    ("+1:00", "Brussels, Copenhagen, Madrid, Paris"),
    ("+5:30", "Bombay, Calcutta, Madras, New Delhi"),
    ("+9:00", "Tokyo, Seoul, Osaka, Sapporo, Yakutsk"),
)
TITLES = {"male": ["Mr"], "female": ["Ms", "Mrs", "Miss"]}
USERNAME_WORDS = (
    ["happy", "silver", "lazy", "brave", "tiny", "purple", "quick"],
    ["goose", "panda", "koala", "tiger", "fish", "rabbit", "owl"],
)
PASSWORDS = ("sunshine", "dragon", "hockey", "monkey", "lekker", "blessed", "galaxy")
PORTRAITS = "https://randomuser.me/api/portraits"


def fill_pattern(rng: random.Random, pattern: str) -> str:
    """Replace each '#' in pattern with a random digit and each '@' with an uppercase letter."""
    digits = iter(rng.choices(string.digits, k=pattern.count("#")))
    letters = iter(rng.choices(string.ascii_uppercase, k=pattern.count("@")))
    fillers = {"#": digits, "@": letters}
    return "".join(next(fillers[char]) if char in fillers else char for char in pattern)


def ascii_slug(text: str) -> str:
    """'Gonçalves' -> 'goncalves': e-mail addresses keep to ASCII, as randomuser's do."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower().replace(" ", "")


def random_moment(rng: random.Random, min_years: int, max_years: int) -> tuple[str, int]:
    """A date between min_years and max_years before REFERENCE_DAY, and the years since it."""
    days = rng.randint(min_years * 365, max_years * 365)
    moment = REFERENCE_DAY - timedelta(days=days, milliseconds=rng.randint(0, 86_399_999))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z", days // 365


def make_login(rng: random.Random) -> dict[str, str]:
    """The `login` block: a uuid, a username and a password with its salted hashes."""
    password = rng.choice(PASSWORDS)
    salt = "".join(rng.choices(string.ascii_letters + string.digits, k=8))
    salted = (password + salt).encode()
    adjective, animal = (rng.choice(words) for words in USERNAME_WORDS)
    return {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "username": f"{adjective}{animal}{rng.randint(100, 999)}",
        "password": password,
        "salt": salt,
        "md5": hashlib.md5(salted).hexdigest(),
        "sha1": hashlib.sha1(salted).hexdigest(),
        "sha256": hashlib.sha256(salted).hexdigest(),
    }


def make_user(seed: str, index: int) -> dict[str, Any]:
    """User number `index` of `seed`: the same pair always gives the same user."""
    rng = random.Random(f"{seed}:{index}")
    nat = rng.choice(sorted(NATIONALITIES))
    land = NATIONALITIES[nat]
    gender = rng.choice(["female", "male"])
    first, last = rng.choice(land[gender]), rng.choice(land["last"])
    city, state = rng.choice(land["places"])
    offset, zone = rng.choice(TIMEZONES)
    dob, age = random_moment(rng, 18, 80)
    registered, registered_age = random_moment(rng, 1, 20)
    id_name, id_pattern = land["id"]
    folder = "men" if gender == "male" else "women"
    portrait = rng.randint(0, 99)
    return {
        "gender": gender,
        "name": {"title": rng.choice(TITLES[gender]), "first": first, "last": last},
        "location": {
            "street": {"number": rng.randint(1, 9999), "name": rng.choice(land["streets"])},
            "city": city,
            "state": state,
            "country": land["country"],
            "postcode": fill_pattern(rng, land["postcode"]),
            "coordinates": {
                "latitude": f"{rng.uniform(-90, 90):.4f}",
                "longitude": f"{rng.uniform(-180, 180):.4f}",
            },
            "timezone": {"offset": offset, "description": zone},
        },
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@example.com",
        "login": make_login(rng),
        "dob": {"date": dob, "age": age},
        "registered": {"date": registered, "age": registered_age},
        "phone": fill_pattern(rng, land["phone"]),
        "cell": fill_pattern(rng, land["phone"]),
        "id": {"name": id_name, "value": fill_pattern(rng, id_pattern)},
        "picture": {
            "large": f"{PORTRAITS}/{folder}/{portrait}.jpg",
            "medium": f"{PORTRAITS}/med/{folder}/{portrait}.jpg",
            "thumbnail": f"{PORTRAITS}/thumb/{folder}/{portrait}.jpg",
        },
        "nat": nat,
    }


def make_users(count: int, seed: str = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The first `count` users of `seed`."""
    return [make_user(seed, index) for index in range(count)]


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'name': {'first': 'Ana'}} -> {'name.first': 'Ana'}: how randomuser names CSV columns."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def render_csv(users: list[dict[str, Any]]) -> str:
    """Users as randomuser's CSV: a header row, then one row per user."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flatten(user) for user in users)
    return buffer.getvalue()


def render_json(users: list[dict[str, Any]], seed: str) -> str:
    """Users as randomuser's JSON: `results` plus an `info` block."""
    info = {"seed": seed, "results": len(users), "page": 1, "version": "1.4"}
    return json.dumps({"results": users, "info": info}, ensure_ascii=False)


@functools.lru_cache(maxsize=16)
def render_answer(results: int, answer_format: str, seed: str) -> tuple[str, str]:
    """(body, content type) for a valid query. Answers are pure functions of the query, so
    repeated queries (a benchmark's) are served from memory instead of generated again."""
    users = make_users(results, seed)
    if answer_format == "csv":
        return render_csv(users), "text/csv"
    return render_json(users, seed), "application/json"


class BadQuery(ValueError):
    """A query the stand-in refuses; the message is sent back with status 400."""


def parse_query(query: str) -> tuple[int, str, str]:
    """Read (results, format, seed) from a query string, or raise BadQuery saying what is wrong."""
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    raw_results = params.get("results", "1")
    try:
        results = int(raw_results)
    except ValueError:
        results = -1
    if not 1 <= results <= MAX_RESULTS:
        raise BadQuery(
            f"Query parameter 'results' has value '{raw_results}'; "
            f"expected a whole number from 1 to {MAX_RESULTS}."
        )
    answer_format = params.get("format", "json").lower()
    if answer_format not in ("csv", "json"):
        raise BadQuery(
            f"Query parameter 'format' has value '{answer_format}'; expected 'csv' or 'json'."
        )
    return results, answer_format, params.get("seed", DEFAULT_SEED)


class UsersHandler(BaseHTTPRequestHandler):
    """Serves /api/ (and /api); anything else is 404."""

    server_version = "caudal-stand-in/1"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") != "/api":
            self.send_text(HTTPStatus.NOT_FOUND, f"No such path '{url.path}'; try /api/.\n")
            return
        try:
            results, answer_format, seed = parse_query(url.query)
        except BadQuery as error:
            self.send_text(HTTPStatus.BAD_REQUEST, f"{error}\n")
            return
        self.send_text(HTTPStatus.OK, *render_answer(results, answer_format, seed))

    def send_text(self, status: HTTPStatus, body: str, content_type: str = "text/plain") -> None:
        # The charset matters: without it, requests decodes text/* answers as Latin-1.
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet by default: the tutorial's log is what a reader of the output wants to see.
        if isinstance(self.server, StandInHTTPServer) and self.server.verbose:
            super().log_message(format, *args)


class StandInHTTPServer(ThreadingHTTPServer):
    """A thread per request; those threads never keep the process alive."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], verbose: bool = False) -> None:
        super().__init__(address, UsersHandler)
        self.verbose = verbose


class StandInServer:
    """A running stand-in: `.url` to point RANDOMUSER_URL at, `.stop()` or `with` to end it."""

    def __init__(self, httpd: StandInHTTPServer) -> None:
        self.httpd = httpd
        host, port = httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="stand-in-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop answering, close the socket and wait for the serving thread."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

    def __enter__(self) -> StandInServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(host: str = "127.0.0.1", port: int = 0) -> StandInServer:
    """Start the stand-in in a background thread and return it, already accepting requests."""
    return StandInServer(StandInHTTPServer((host, port)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    httpd = StandInHTTPServer((args.host, args.port), verbose=args.verbose)
    host, port = httpd.server_address[:2]
    print(f"http://{host}:{port}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
