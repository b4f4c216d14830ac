-- On SQLite, migration 0010 stores order lines, audit entries and buyer quotas as WITHOUT ROWID
-- tables (one B-tree each instead of two). A PostgreSQL table has no rowid and its primary key
-- is already its only index there: nothing to change. The file keeps the two backends'
-- migration numbers in step.
SELECT 1;
