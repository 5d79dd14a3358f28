"""Demo and benchmark data, bulk-loaded with COPY.

The ticket shape follows the benchmark peer: status open 20 / pending 10 /
solved 30 / closed 40 %; priority low 40 / medium 35 / high 20 / urgent 5 %;
90 % assigned; created uniformly over two years; about 1 % of tickets carry
the word "refund". Secondary indexes are dropped during the load and rebuilt
after it, which is several times faster than maintaining them row by row.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from faker import Faker
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.models.customer import TIERS

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
CHUNK = 50_000
TWO_YEARS = 730 * 86400


@dataclass
class SeedResult:
    users: int
    customers: int
    tickets: int
    invoices: int
    seconds: float


def _pick(r: float, table: tuple[tuple[str, float], ...]) -> str:
    acc = 0.0
    for value, weight in table:
        acc += weight
        if r < acc:
            return value
    return table[-1][0]


def _ts(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S+00")


def _copy(raw: object, sql: str, rows: Iterator[str]) -> None:
    with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]
        buf: list[str] = []
        for row in rows:
            buf.append(row)
            if len(buf) >= 10_000:
                copy.write("".join(buf))
                buf.clear()
        if buf:
            copy.write("".join(buf))


def _ticket_indexes(raw: object) -> list[tuple[str, str]]:
    with raw.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'support_tickets' "
            "AND i.indexname NOT IN ('pk_support_tickets', 'uq_support_tickets_number')"
        )
        return list(cur.fetchall())


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
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection  # type: ignore[attr-defined]
        staff = _seed_users(driver, fake, rnd, users, now)
        progress(f"{len(staff)} users")
        customer_ids, tiers = _seed_customers(driver, fake, rnd, customers, now)
        progress(f"{customers} customers")
        invoices = _seed_invoices(driver, rnd, customer_ids, tiers, now)
        progress(f"{invoices} invoices")
        _seed_tickets(driver, rnd, tickets, customer_ids, staff, now, progress)
        driver.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE support_tickets"))
        conn.execute(text("ANALYZE customers; ANALYZE invoices; ANALYZE users"))
    return SeedResult(users, customers, tickets, invoices, time.perf_counter() - started)


def _seed_users(driver: object, fake: Faker, rnd: random.Random, n: int, now: datetime) -> list[uuid.UUID]:
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


def _seed_customers(
    driver: object, fake: Faker, rnd: random.Random, n: int, now: datetime
) -> tuple[list[uuid.UUID], list[str]]:
    ids: list[uuid.UUID] = []
    tiers: list[str] = []
    companies = [fake.company().replace("\t", " ") for _ in range(min(n, 5000))]

    def rows() -> Iterator[str]:
        for i in range(n):
            cid = uuid.UUID(int=rnd.getrandbits(128), version=4)
            tier = _pick(rnd.random(), TIER_MIX)
            ids.append(cid)
            tiers.append(tier)
            company = companies[i % len(companies)] + ("" if i < len(companies) else f" #{i // len(companies)}")
            email = f"contact{i}@customer{i}.example"
            status = "churned" if rnd.random() < 0.08 else ("suspended" if rnd.random() < 0.02 else "active")
            created = now - timedelta(seconds=rnd.randrange(3 * 365 * 86400))
            contact = f"{fake.first_name()} {fake.last_name()}"
            yield f"{cid}\t{company}\t{contact}\t{email}\t{tier}\t{status}\t{_ts(created)}\t{_ts(created)}\n"

    _copy(
        driver,
        "COPY customers (id, company_name, contact_name, contact_email, subscription_tier, status,"
        " created_at, updated_at) FROM STDIN",
        rows(),
    )
    assert set(tiers) <= set(TIERS)
    return ids, tiers


def _seed_invoices(
    driver: object, rnd: random.Random, customer_ids: list[uuid.UUID], tiers: list[str], now: datetime
) -> int:
    count = 0

    def rows() -> Iterator[str]:
        nonlocal count
        for cid, tier in zip(customer_ids, tiers, strict=True):
            lo, hi = MRR[tier]
            if hi == 0:
                continue
            amount = round(rnd.uniform(lo, hi), 2)
            for month in range(6):
                count += 1
                issued = now - timedelta(days=30 * month + rnd.randrange(30))
                paid = month > 0 or rnd.random() < 0.5
                status = "paid" if paid else "open"
                paid_at = _ts(issued + timedelta(days=rnd.randrange(1, 15))) if paid else "\\N"
                if paid and issued + timedelta(days=15) > now:
                    paid_at = _ts(min(now, issued + timedelta(days=1)))
                yield (
                    f"{uuid.UUID(int=rnd.getrandbits(128), version=4)}\t{count}\t{cid}\t{amount:.2f}\tUSD\t"
                    f"{status}\t{_ts(issued)}\t{_ts(issued + timedelta(days=30))}\t{paid_at}\n"
                )

    _copy(
        driver,
        "COPY invoices (id, number, customer_id, amount, currency, status, issued_at, due_at, paid_at) FROM STDIN",
        rows(),
    )
    return count


def _seed_tickets(
    driver: object,
    rnd: random.Random,
    n: int,
    customer_ids: list[uuid.UUID],
    staff: list[uuid.UUID],
    now: datetime,
    progress: Callable[[str], None],
) -> None:
    indexes = _ticket_indexes(driver)
    with driver.cursor() as cur:  # type: ignore[attr-defined]
        for name, _ in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
    words = WORDS
    choices = rnd.choices
    staff_s = [str(s) for s in staff] or ["\\N"]
    cust_s = [str(c) for c in customer_ids]
    now_ts = now.timestamp()

    def rows() -> Iterator[str]:
        for _ in range(n):
            created = now_ts - rnd.randrange(TWO_YEARS)
            updated = min(now_ts, created + int(60 * 86400 * rnd.random() ** 2))
            status = _pick(rnd.random(), STATUS)
            title_words = choices(words, k=rnd.randint(6, 10))
            desc_words = choices(words, k=rnd.randint(50, 70))
            if rnd.random() < 0.01:
                target = title_words if rnd.random() < 0.3 else desc_words
                target[rnd.randrange(len(target))] = "refund"
            title = " ".join(title_words).capitalize()
            c = datetime.fromtimestamp(created, UTC)
            u = datetime.fromtimestamp(updated, UTC)
            resolved = _ts(u) if status in ("solved", "closed") else "\\N"
            yield (
                f"{uuid.UUID(int=rnd.getrandbits(128), version=4)}\t{rnd.choice(cust_s)}\t"
                f"{rnd.choice(staff_s) if rnd.random() < 0.9 else chr(92) + 'N'}\t{title}\t{' '.join(desc_words)}\t"
                f"{_pick(rnd.random(), PRIORITY)}\t{status}\t{_ts(c)}\t{_ts(u)}\t{resolved}\t"
                f"{_ts(c + timedelta(hours=8))}\t{_ts(c + timedelta(days=3))}\n"
            )

    _copy(
        driver,
        "COPY support_tickets (id, customer_id, assignee_id, title, description, priority, status, created_at,"
        " updated_at, resolved_at, first_response_due_at, resolution_due_at) FROM STDIN",
        rows(),
    )
    progress(f"{n} tickets loaded; rebuilding {len(indexes)} indexes")
    with driver.cursor() as cur:  # type: ignore[attr-defined]
        for _, definition in indexes:
            cur.execute(definition)
