"""search everywhere: weighted tsvectors for tickets, customers and users; trigrams over contact names

Tickets: the trigger now weighs the title (A) above the description (B). Existing rows keep their
unweighted vectors until `flask search reindex --entity tickets` rewrites them in batches (one
UPDATE of a million rows here would hold every row lock of the table at once).
Customers (company A, contact name B, contact email C) and users (name A, email B) get generated
weighted vectors with GIN indexes; the customers' trigram index now covers the contact name too.

Revision ID: 0012_search_everywhere
Revises: 0006_two_factor_totp
"""

from alembic import op

revision = "0012_search_everywhere"
down_revision = "0010_customer_health"
branch_labels = None
depends_on = None

WEIGHTED = ("setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')")
PLAIN = "to_tsvector('english', coalesce(NEW.title, '') || ' ' || coalesce(NEW.description, ''))"
CUSTOMER = ("setweight(to_tsvector('simple', coalesce(company_name, '')), 'A') || "
            "setweight(to_tsvector('simple', coalesce(contact_name, '')), 'B') || "
            "setweight(to_tsvector('simple', coalesce(contact_email, '')), 'C')")
USER = ("setweight(to_tsvector('simple', coalesce(name, '')), 'A') || "
        "setweight(to_tsvector('simple', coalesce(email, '')), 'B')")


def _ticket_trigger(vector: str) -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION support_tickets_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN
                RETURN NEW;
            END IF;
            NEW.search_vector := {vector};
            RETURN NEW;
        END $$;
    """)


def _customer_trigrams(expression: str) -> None:
    op.execute(f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                DROP INDEX IF EXISTS ix_customers_search_trgm;
                CREATE INDEX ix_customers_search_trgm ON customers USING gin (({expression}) gin_trgm_ops);
            END IF;
        END $$;
    """)


def upgrade():
    _ticket_trigger(WEIGHTED)
    op.execute(f"ALTER TABLE customers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({CUSTOMER}) STORED")
    op.execute("CREATE INDEX ix_customers_search_vector ON customers USING gin (search_vector)")
    op.execute(f"ALTER TABLE users ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({USER}) STORED")
    op.execute("CREATE INDEX ix_users_search_vector ON users USING gin (search_vector)")
    _customer_trigrams("lower(company_name) || ' ' || lower(contact_name) || ' ' || lower(contact_email)")


def downgrade():
    _customer_trigrams("lower(company_name) || ' ' || lower(contact_email)")
    op.execute("ALTER TABLE users DROP COLUMN search_vector")
    op.execute("ALTER TABLE customers DROP COLUMN search_vector")
    _ticket_trigger(PLAIN)
