"""tickets: search_pairs, the hashes of adjacent lexeme pairs, so a phrase finds its few tickets at once

A phrase ("password reset") is rare even where both its words are common; the full-text index can
only find the tickets holding both words. search_pairs holds hashtext('<lexeme> <next lexeme>') of
every two lexemes at neighbouring positions of search_vector, with a GIN index: the pairs a phrase
needs find its candidates, and `search_vector @@ query` still decides (a hash collision only adds a
candidate). The ticket trigger keeps it from search_vector; a bulk loader may supply both (and then
no trigger function runs: the insert trigger has a WHEN). Existing
rows are filled in batches of BATCH, each committed on its own, so no transaction holds every row lock.

Revision ID: 0018_search_pairs
Revises: 0017_sla_calendar
"""

from alembic import op
from sqlalchemy import text

revision = "0018_search_pairs"
down_revision = "0017_sla_calendar"
branch_labels = None
depends_on = None

BATCH = 20_000
WEIGHTED = ("setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')")

PAIR_CODES = """
    CREATE OR REPLACE FUNCTION search_pair_codes(v tsvector) RETURNS integer[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT hashtext(a.lexeme || ' ' || b.lexeme)), '{}')
        FROM (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) a
        JOIN (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) b ON b.p = a.p + 1
    $$
"""


def _ticket_trigger(pairs: bool) -> None:
    keep = "NEW.search_pairs := coalesce(NEW.search_pairs, search_pair_codes(NEW.search_vector));" if pairs else ""
    fill = "NEW.search_pairs := search_pair_codes(NEW.search_vector);" if pairs else ""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION support_tickets_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN
                {keep}
                RETURN NEW;
            END IF;
            NEW.search_vector := {WEIGHTED};
            {fill}
            RETURN NEW;
        END $$;
    """)


def upgrade():
    op.execute("ALTER TABLE support_tickets ADD COLUMN IF NOT EXISTS search_pairs integer[]")
    op.execute(PAIR_CODES)
    _ticket_trigger(pairs=True)
    # An insert that supplies both (the seed's COPY) calls no function at all: the WHEN is checked in C.
    op.execute("DROP TRIGGER support_tickets_search_vector ON support_tickets")
    op.execute("""
        CREATE TRIGGER support_tickets_search_vector
        BEFORE UPDATE OF title, description ON support_tickets
        FOR EACH ROW EXECUTE FUNCTION support_tickets_search_vector()
    """)
    op.execute("""
        CREATE TRIGGER support_tickets_search_vector_insert
        BEFORE INSERT ON support_tickets
        FOR EACH ROW WHEN (NEW.search_vector IS NULL OR NEW.search_pairs IS NULL)
        EXECUTE FUNCTION support_tickets_search_vector()
    """)
    conn = op.get_bind()
    with op.get_context().autocommit_block():
        last = None
        while True:
            after = "" if last is None else "AND id > :last"
            last = conn.execute(text(f"""
                WITH batch AS (
                    SELECT id FROM support_tickets WHERE search_pairs IS NULL AND search_vector IS NOT NULL
                    {after} ORDER BY id LIMIT {BATCH}
                ), done AS (
                    UPDATE support_tickets t SET search_pairs = search_pair_codes(t.search_vector)
                    FROM batch WHERE t.id = batch.id RETURNING t.id
                )
                SELECT max(id::text)::uuid FROM done
            """), {"last": last}).scalar()
            if last is None:
                break
    op.execute("CREATE INDEX IF NOT EXISTS ix_support_tickets_search_pairs ON support_tickets USING gin (search_pairs)")
    op.execute("ANALYZE support_tickets (search_pairs)")


def downgrade():
    op.execute("DROP TRIGGER support_tickets_search_vector_insert ON support_tickets")
    op.execute("DROP TRIGGER support_tickets_search_vector ON support_tickets")
    op.execute("""
        CREATE TRIGGER support_tickets_search_vector
        BEFORE INSERT OR UPDATE OF title, description ON support_tickets
        FOR EACH ROW EXECUTE FUNCTION support_tickets_search_vector()
    """)
    _ticket_trigger(pairs=False)
    op.execute("ALTER TABLE support_tickets DROP COLUMN search_pairs")  # drops its GIN index too
    op.execute("DROP FUNCTION search_pair_codes(tsvector)")
