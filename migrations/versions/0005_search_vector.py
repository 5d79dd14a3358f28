"""tickets: search_vector kept by a trigger instead of a generated column

The same english tsvector, but a bulk loader that already knows it may supply
it: computing to_tsvector for a million rows inside COPY was most of the seed
time. The trigger recomputes it on every insert that does not supply one and on
every change of title or description.

Revision ID: 0005_search_vector
Revises: 0004_notifications
"""

from alembic import op

revision = "0005_search_vector"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None

VECTOR = "to_tsvector('english', coalesce(NEW.title, '') || ' ' || coalesce(NEW.description, ''))"


def upgrade():
    op.execute("ALTER TABLE support_tickets DROP COLUMN search_vector")  # drops its GIN index too
    op.execute("ALTER TABLE support_tickets ADD COLUMN search_vector tsvector")
    op.execute(f"""
        CREATE FUNCTION support_tickets_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN
                RETURN NEW;
            END IF;
            NEW.search_vector := {VECTOR};
            RETURN NEW;
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER support_tickets_search_vector
        BEFORE INSERT OR UPDATE OF title, description ON support_tickets
        FOR EACH ROW EXECUTE FUNCTION support_tickets_search_vector()
    """)
    op.execute("UPDATE support_tickets SET title = title")  # fill existing rows through the trigger
    op.execute("CREATE INDEX ix_support_tickets_search ON support_tickets USING gin (search_vector)")


def downgrade():
    op.execute("DROP TRIGGER support_tickets_search_vector ON support_tickets")
    op.execute("DROP FUNCTION support_tickets_search_vector()")
    op.execute("ALTER TABLE support_tickets DROP COLUMN search_vector")
    op.execute(
        "ALTER TABLE support_tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED"
    )
    op.execute("CREATE INDEX ix_support_tickets_search ON support_tickets USING gin (search_vector)")
