"""On PostgreSQL the audit tables refuse UPDATE, DELETE and TRUNCATE (docs/audit.md).

Only the retention path may delete: `zhaoshang audit archive` sets the transaction-local
variable zhaoshang.audit_retention to 'on' (SET LOCAL) for the rows it has written to the signed
archive file. Nothing may ever update a record. TRUNCATE is refused unless
zhaoshang.audit_truncate is 'on' in the session (the test suite's flush between transactional
tests sets it; nothing in the product does).
"""

from django.db import migrations

TABLES = ("core_objectchange", "audit_auditevent")

INSTALL = """
CREATE OR REPLACE FUNCTION zhaoshang_audit_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF coalesce(current_setting('zhaoshang.audit_truncate', true), '') = 'on' THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' AND coalesce(current_setting('zhaoshang.audit_retention', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计记录不可修改或删除（%% %%）', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
TRIGGERS = """
CREATE TRIGGER zhaoshang_audit_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION zhaoshang_audit_refuse();
CREATE TRIGGER zhaoshang_audit_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION zhaoshang_audit_refuse();
"""
DROP = """
DROP TRIGGER IF EXISTS zhaoshang_audit_no_change ON {table};
DROP TRIGGER IF EXISTS zhaoshang_audit_no_truncate ON {table};
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INSTALL)
    for table in TABLES:
        schema_editor.execute(TRIGGERS.format(table=table))


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table))
    schema_editor.execute("DROP FUNCTION IF EXISTS zhaoshang_audit_refuse()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("core", "0002_audit_chain"),
    ]

    operations = [migrations.RunPython(install, remove)]
