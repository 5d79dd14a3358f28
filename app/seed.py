"""Demo and benchmark data, bulk-loaded with COPY.

The ticket shape follows the benchmark peer: status open 20 / pending 10 /
solved 30 / closed 40 %; priority low 40 / medium 35 / high 20 / urgent 5 %;
90 % assigned; created uniformly over two years; about 1 % of tickets carry
the word "refund". Secondary indexes are dropped during the load and rebuilt
after it, which is several times faster than maintaining them row by row.

Where the time went at 1,000,000 tickets: mostly in PostgreSQL computing the
english to_tsvector of ~60 words per row. The loaders now write search_vector
themselves from each vocabulary word's lexeme (asked of PostgreSQL once), which
the search_vector trigger accepts as given. Tickets are generated and COPied by two
processes on their own connections (one per core), ids are ordered so the
primary key is appended to rather than inserted at random, invoices are
loaded while the tickets stream, and the indexes are rebuilt two at a time.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from faker import Faker
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.models.customer import TIERS

Conn = psycopg.Connection[Any]  # the driver connection the loaders COPY through

STATUS = (("open", 0.20), ("pending", 0.10), ("solved", 0.30), ("closed", 0.40))
PRIORITY = (("low", 0.40), ("medium", 0.35), ("high", 0.20), ("urgent", 0.05))
TIER_MIX = (("free", 0.40), ("starter", 0.30), ("professional", 0.22), ("enterprise", 0.08))
MRR = {"free": (0, 0), "starter": (29, 99), "professional": (199, 999), "enterprise": (2000, 20000)}
WORDS = """account access admin alert api app approval archive attachment audit auth backup balance
bank billing browser bug cache calendar cancel card cart certificate change charge chart checkout
client cloud code config connect contract cookie coupon credit crash csv customer dashboard data
database date deadline delay delete delivery deploy device discount dns docs domain download
duplicate email error escalate export failed feature field file filter firewall form gateway help
history host import inbox install integration invoice issue key language latency license limit
link load locale lock log login logout mail message migration mobile module network notification
order outage package page password payment permission phone plan plugin policy portal price
printer privacy profile proxy purchase query queue quota receipt record region release report
request reset response role router schedule screen search security server service session
settings setup share shipping signup slow sms storage subscription support sync tax team template
ticket timeout token trial update upgrade upload user verify version video webhook widget
workflow""".split()
WORKERS = 2
PARALLEL_FROM = 50_000  # tickets; below this one in-process loader is quicker
DAY = 86400
TWO_YEARS = 730 * 86400


@dataclass
class SeedResult:
    users: int
    customers: int
    tickets: int
    invoices: int
    seconds: float


TICKET_COPY = (
    "COPY support_tickets (id, customer_id, assignee_id, title, description, priority, status, created_at,"
    " updated_at, resolved_at, first_response_due_at, resolution_due_at, search_vector, search_pairs) FROM STDIN"
)


def lexemes(driver: Conn) -> dict[str, str | None]:
    """Each vocabulary word's english lexeme (None for a stop word), asked of PostgreSQL once.

    Tickets are plain lowercase words joined by spaces, so their to_tsvector is exactly
    these lexemes at the words' positions: the loaders write it themselves instead of
    having the database parse and stem sixty words per row a million times.
    """
    vocabulary = [*WORDS, "refund"]
    with driver.cursor() as cur:
        cur.execute(
            "SELECT w, array_to_string(tsvector_to_array(to_tsvector('english', w)), ' ') FROM unnest(%s::text[]) w",
            (vocabulary,),
        )
        found = dict(cur.fetchall())
    if any(" " in (lex or "") for lex in found.values()):
        raise ValueError("a vocabulary word parses into several lexemes")
    return {w: (found.get(w) or None) for w in vocabulary}


def tsvector_literal(words: list[str], lexeme_of: dict[str, str | None], title_words: int = 0) -> str:
    """The text form of the ticket trigger's vector for vocabulary words: the first `title_words`
    weighted A, the rest B, as setweight(to_tsvector(title), 'A') || setweight(to_tsvector(body), 'B')
    (the body's positions follow the title's last lexeme, as tsvector concatenation places them)."""
    positions: dict[str, list[str]] = {}
    last = 0
    for pos, word in enumerate(words[:title_words], 1):
        lex = lexeme_of[word]
        if lex is not None:
            positions.setdefault(lex, []).append(f"{pos}A")
            last = pos
    for pos, word in enumerate(words[title_words:], 1):
        lex = lexeme_of[word]
        if lex is not None:
            positions.setdefault(lex, []).append(f"{last + pos}" + ("B" if title_words else ""))
    return " ".join(f"'{lex}':{','.join(ps)}" for lex, ps in positions.items())


Pairs = dict[str, dict[str, str]]  # word -> next word -> the pair's code, as text


def pair_codes(driver: Conn, lexeme_of: dict[str, str | None]) -> Pairs:
    """hashtext('<lexeme> <lexeme>') for every two vocabulary words (stop words aside), as the ticket
    trigger's search_pair_codes computes it (migration 0018), asked of PostgreSQL once. Keyed by the
    vocabulary's own string objects (compared by identity: a million rows look up 60 pairs each)."""
    words = [w for w, lex in lexeme_of.items() if lex is not None]
    lexes = [lexeme_of[w] for w in words]
    with driver.cursor() as cur:
        cur.execute(
            "SELECT a.i, b.i, hashtext(a.l || ' ' || b.l) FROM unnest(%s::text[]) WITH ORDINALITY a(l, i), "
            "unnest(%s::text[]) WITH ORDINALITY b(l, i) ORDER BY 1, 2",
            (lexes, lexes),
        )
        found: Pairs = {w: {} for w in words}
        for a, b, code in cur.fetchall():
            found[words[a - 1]][words[b - 1]] = str(code)
        return found


def pairs_literal(words: list[str], lexeme_of: dict[str, str | None], pair_of: Pairs, title_words: int = 0) -> str:
    """The text form of search_pairs for vocabulary words: the code of every two words whose lexemes
    sit at neighbouring positions of tsvector_literal's vector (duplicates left in: the index keeps one)."""
    try:  # no stop word (pair_of holds none): every word is at the next position
        rows = map(pair_of.__getitem__, words)
        return "{" + ",".join([row[w] for row, w in zip(rows, words[1:], strict=False)]) + "}"
    except KeyError:
        pass
    placed: list[tuple[int, str]] = []
    last = 0
    for pos, word in enumerate(words[:title_words], 1):
        if lexeme_of[word] is not None:
            placed.append((pos, word))
            last = pos
    placed += [(last + pos, w) for pos, w in enumerate(words[title_words:], 1) if lexeme_of[w] is not None]
    codes = [pair_of[a][b] for (p, a), (q, b) in zip(placed, placed[1:], strict=False) if q == p + 1]
    return "{" + ",".join(codes) + "}"


class _Vectors:
    """tsvector_literal and pairs_literal for one vocabulary, the quick way: with no stop word in it,
    word i of a ticket sits at position i + 1, so the vector is written from lookup tables."""

    LONGEST = 128

    def __init__(self, lexeme_of: dict[str, str | None], pair_of: Pairs | None) -> None:
        self.lexeme_of, self.pair_of = lexeme_of, pair_of
        self.quoted = {w: f"'{lex}':" for w, lex in lexeme_of.items() if lex is not None}
        self.plain = len(self.quoted) == len(lexeme_of)
        self.a = [f"{i}A" for i in range(1, self.LONGEST + 1)]
        self.b = [f"{i}B" for i in range(1, self.LONGEST + 1)]

    def vector(self, words: list[str], title_words: int) -> str:
        n = len(words)
        if not (self.plain and title_words and n <= self.LONGEST):
            return tsvector_literal(words, self.lexeme_of, title_words)
        groups: dict[str, list[str]] = {}
        for word, label in zip(words, self.a[:title_words] + self.b[title_words:n], strict=True):
            group = groups.get(word)
            if group is None:
                groups[word] = [label]
            else:
                group.append(label)
        return " ".join([self.quoted[w] + ",".join(g) for w, g in groups.items()])

    def pairs(self, words: list[str], title_words: int) -> str:
        if self.pair_of is None:
            return "\\N"  # the trigger computes them
        return pairs_literal(words, self.lexeme_of, self.pair_of, title_words)


def _pick(r: float, table: tuple[tuple[str, float], ...]) -> str:
    acc = 0.0
    for value, weight in table:
        acc += weight
        if r < acc:
            return value
    return table[-1][0]


def _slots(table: tuple[tuple[str, float], ...]) -> list[str]:
    """A 100-slot lookup table for a percentage mix: `slots[int(random() * 100)]`."""
    return [_pick((i + 0.5) / 100, table) for i in range(100)]


def _ts(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S+00")


class _Clock:
    """Epoch seconds → 'YYYY-MM-DD HH:MM:SS+00', with the date part cached per day (strftime is slow)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, secs: int) -> str:
        day, rest = divmod(secs, DAY)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}+00"


def _ordered_uuid(seq: int, bits: int) -> str:
    """A UUIDv7-style id whose leading bits are `seq`, so the primary key index is appended to."""
    return (
        f"{seq >> 16:08x}-{seq & 0xFFFF:04x}-7{(bits >> 52) & 0xFFF:03x}-"
        f"{0x8000 | ((bits >> 38) & 0x3FFF):04x}-{bits & 0xFFFFFFFFFFFF:012x}"
    )


def _copy(raw: Conn, sql: str, rows: Iterator[str]) -> None:
    with raw.cursor() as cur, cur.copy(sql) as copy:
        buf: list[str] = []
        for row in rows:
            buf.append(row)
            if len(buf) >= 5_000:
                copy.write("".join(buf))
                buf.clear()
        if buf:
            copy.write("".join(buf))


LOADED = ("support_tickets", "customers", "invoices")


def _suspend(raw: Conn) -> tuple[list[str], list[str]]:
    """Drop the loaded tables' secondary indexes and foreign keys (rebuilding them afterwards is many
    times cheaper than maintaining them, and checking and key-share-locking a parent row, per row).
    Returns the statements that restore them."""
    with raw.cursor() as cur:
        cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
            [list(LOADED)],
        )
        fks = list(cur.fetchall())
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND i.indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(LOADED)],
        )
        indexes = list(cur.fetchall())
        for table, name, _ in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [d for _, d in indexes], [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in fks]


def seed(
    engine: Engine,
    users: int = 25,
    customers: int = 200,
    tickets: int = 2_000,
    seed_value: int = 42,
    progress: Callable[[str], None] = lambda _m: None,
) -> SeedResult:
    started = time.perf_counter()
    rnd = random.Random(seed_value)
    fake = Faker()
    Faker.seed(seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if driver is None:  # typed optional for a pool entry already closed
            raise RuntimeError("the seed connection has no database driver connection")
        staff = _seed_users(driver, fake, rnd, users, now)
        progress(f"{len(staff)} users")
        indexes, foreign_keys = _suspend(driver)
        driver.commit()
        customer_ids = [uuid.UUID(int=rnd.getrandbits(128), version=4) for _ in range(customers)]
        loaders = _start_ticket_loaders(url, seed_value, tickets, customer_ids, staff, int(now.timestamp()))
        try:
            tiers = _seed_customers(driver, fake, rnd, customer_ids, now)
            driver.commit()
            progress(f"{customers} customers")
            invoices = _seed_invoices(driver, rnd, customer_ids, tiers, now)
            driver.commit()
            progress(f"{invoices} invoices")
            _wait(loaders)
            progress(f"{tickets} tickets loaded; rebuilding {len(indexes)} indexes")
        except BaseException:
            for proc in loaders:
                proc.terminate()  # their uncommitted COPY rolls back
            raise
        finally:
            _restore(url, indexes, foreign_keys)
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE users"))
    return SeedResult(users, customers, tickets, invoices, time.perf_counter() - started)


def _seed_users(driver: Conn, fake: Faker, rnd: random.Random, n: int, now: datetime) -> list[uuid.UUID]:
    roles = ("agent",) * 7 + ("manager",) * 2 + ("viewer",)
    rows = []
    ids = []
    for i in range(n):
        uid = uuid.UUID(int=rnd.getrandbits(128), version=4)
        ids.append(uid)
        name = fake.name().replace("\t", " ")
        email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}.{i}@staff.example"
        created = now - timedelta(seconds=rnd.randrange(TWO_YEARS))
        rows.append(f"{uid}\t{email}\t{name}\t{roles[i % len(roles)]}\tactive\t{_ts(created)}\t{_ts(created)}\n")
    _copy(driver, "COPY users (id, email, name, role_name, status, created_at, updated_at) FROM STDIN", iter(rows))
    # Only agents and managers take tickets.
    return [uid for i, uid in enumerate(ids) if roles[i % len(roles)] in ("agent", "manager")]


def _seed_customers(driver: Conn, fake: Faker, rnd: random.Random, ids: list[uuid.UUID], now: datetime) -> list[str]:
    n = len(ids)
    tiers: list[str] = []
    companies = [fake.company().replace("\t", " ") for _ in range(min(n, 5000))]
    # Faker per row costs ~100 µs; names drawn from pools of Faker names look the same.
    firsts = [fake.first_name() for _ in range(min(n, 1000))]
    lasts = [fake.last_name() for _ in range(min(n, 1000))]
    clock, now_s, tier_slots = _Clock(), int(now.timestamp()), _slots(TIER_MIX)

    def rows() -> Iterator[str]:
        for i in range(n):
            cid = ids[i]
            tier = tier_slots[int(rnd.random() * 100)]
            tiers.append(tier)
            company = companies[i % len(companies)] + ("" if i < len(companies) else f" #{i // len(companies)}")
            status = "churned" if rnd.random() < 0.08 else ("suspended" if rnd.random() < 0.02 else "active")
            created = clock(now_s - rnd.randrange(3 * 365 * DAY))
            contact = f"{rnd.choice(firsts)} {rnd.choice(lasts)}"
            email = f"contact{i}@customer{i}.example"
            yield f"{cid}\t{company}\t{contact}\t{email}\t{tier}\t{status}\t{created}\t{created}\n"

    _copy(
        driver,
        "COPY customers (id, company_name, contact_name, contact_email, subscription_tier, status,"
        " created_at, updated_at) FROM STDIN",
        rows(),
    )
    assert set(tiers) <= set(TIERS)
    return tiers


def _seed_invoices(
    driver: Conn, rnd: random.Random, customer_ids: list[uuid.UUID], tiers: list[str], now: datetime
) -> int:
    count = 0
    clock, now_s = _Clock(), int(now.timestamp())

    def rows() -> Iterator[str]:
        nonlocal count
        for cid, tier in zip(customer_ids, tiers, strict=True):
            lo, hi = MRR[tier]
            if hi == 0:
                continue
            amount = round(rnd.uniform(lo, hi), 2)
            for month in range(6):
                count += 1
                issued = now_s - (30 * month + rnd.randrange(30)) * DAY
                paid = month > 0 or rnd.random() < 0.5
                paid_at = "\\N"
                if paid:
                    paid_at = clock(
                        min(now_s, issued + DAY) if issued + 15 * DAY > now_s else issued + rnd.randrange(1, 15) * DAY
                    )
                yield (
                    f"{uuid.UUID(int=rnd.getrandbits(128), version=4)}\t{count}\t{cid}\t{amount:.2f}\tUSD\t"
                    f"{'paid' if paid else 'open'}\t{clock(issued)}\t{clock(issued + 30 * DAY)}\t{paid_at}\n"
                )

    _copy(
        driver,
        "COPY invoices (id, number, customer_id, amount, currency, status, issued_at, due_at, paid_at) FROM STDIN",
        rows(),
    )
    return count


def ticket_rows(
    rnd: random.Random,
    n: int,
    first_seq: int,
    customers: list[str],
    staff: list[str],
    now_s: int,
    lexeme_of: dict[str, str | None],
    pair_of: Pairs | None = None,
) -> Iterator[str]:
    """COPY text rows for `n` tickets in the peer's shape (see the module docstring); without
    `pair_of`, search_pairs is left to the trigger."""
    words, choices, rand, randint, randrange = WORDS, rnd.choices, rnd.random, rnd.randint, rnd.randrange
    getrandbits, clock = rnd.getrandbits, _Clock()
    statuses, priorities = _slots(STATUS), _slots(PRIORITY)
    n_customers, n_staff = len(customers), len(staff)
    vectors = _Vectors(lexeme_of, pair_of)
    for i in range(n):
        created = now_s - randrange(TWO_YEARS)
        updated = min(now_s, created + int(60 * DAY * rand() ** 2))
        status = statuses[int(rand() * 100)]
        title_words = choices(words, k=randint(6, 10))
        desc_words = choices(words, k=randint(50, 70))
        if rand() < 0.01:
            target = title_words if rand() < 0.3 else desc_words
            target[randrange(len(target))] = "refund"
        assignee = staff[int(rand() * n_staff)] if n_staff and rand() < 0.9 else "\\N"
        resolved = clock(updated) if status in ("solved", "closed") else "\\N"
        every, n_title = title_words + desc_words, len(title_words)
        yield (
            f"{_ordered_uuid(first_seq + i, getrandbits(64))}\t{customers[int(rand() * n_customers)]}\t"
            f"{assignee}\t{' '.join(title_words).capitalize()}\t{' '.join(desc_words)}\t"
            f"{priorities[int(rand() * 100)]}\t{status}\t{clock(created)}\t{clock(updated)}\t{resolved}\t"
            f"{clock(created + 8 * 3600)}\t{clock(created + 3 * DAY)}\t"
            f"{vectors.vector(every, n_title)}\t{vectors.pairs(every, n_title)}\n"
        )


def _load_tickets(
    url: str, seed_value: int, part: int, n: int, customers: list[str], staff: list[str], now_s: int
) -> None:
    """One loader process: generate its share of the tickets and COPY them on its own connection."""
    rnd = random.Random(seed_value * 1009 + part)
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        lexeme_of = lexemes(conn)
        pair_of = pair_codes(conn, lexeme_of)
        _copy(conn, TICKET_COPY, ticket_rows(rnd, n, part << 40, customers, staff, now_s, lexeme_of, pair_of))


def _start_ticket_loaders(
    url: str, seed_value: int, n: int, customer_ids: list[uuid.UUID], staff: list[uuid.UUID], now_s: int
) -> list[multiprocessing.process.BaseProcess]:
    if n and not customer_ids:
        raise ValueError("tickets need at least one customer")
    customers, staff_s = [str(c) for c in customer_ids], [str(s) for s in staff]
    if n < PARALLEL_FROM:  # demo data: starting processes would cost more than it saves
        if n:
            _load_tickets(url, seed_value, 0, n, customers, staff_s, now_s)
        return []
    ctx = multiprocessing.get_context("spawn")
    shares = [n // WORKERS + (1 if k < n % WORKERS else 0) for k in range(WORKERS)]
    loaders: list[multiprocessing.process.BaseProcess] = [
        ctx.Process(target=_load_tickets, args=(url, seed_value, k, share, customers, staff_s, now_s), daemon=True)
        for k, share in enumerate(shares)
        if share
    ]
    for proc in loaders:
        proc.start()
    return loaders


def _wait(loaders: list[multiprocessing.process.BaseProcess]) -> None:
    for proc in loaders:
        proc.join()
    failed = [p.exitcode for p in loaders if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"a ticket loader failed (exit codes {failed})")


def _restore(url: str, indexes: list[str], foreign_keys: list[str]) -> None:
    """VACUUM ANALYZE (cheap while there are no indexes), rebuild the indexes two at a time, re-add the keys."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in LOADED:
            conn.execute(f"VACUUM ANALYZE {table}")
    # The full-text GIN indexes take longest: one starts on each connection; the rest follow on either.
    pending = sorted(indexes, key=lambda d: 0 if "search_vector" in d else 1 if "search_pairs" in d else 2)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def builder() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                with lock:
                    if not pending:
                        return
                    definition = pending.pop(0)
                try:
                    conn.execute(definition)
                except BaseException as exc:  # reported after the other builder finishes
                    errors.append(exc)

    threads = [threading.Thread(target=builder) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in foreign_keys:
            conn.execute(statement)  # validates every row in one pass
    if errors:
        raise errors[0]
