-- collections.sql: the collections of each owner, per environment (issue 21).
--
-- Answers: which collections do an owner's workflows share, in which
-- environment, how many documents each holds, which of its fields are
-- unique, and did the move to shared collections (migration
-- 009_collections) leave unique values that two documents held, for an
-- admin to settle? Both sides: development (local runs, public.documents)
-- and the bundled runtime's production (archestra.documents).
--
-- Columns:
--   owner          the owner
--   environment    development (local runs) or production (deployed agents)
--   collection     the collection's name
--   documents      documents in it
--   unique_fields  fields with keys in it, comma-separated ("-" if none)
--   conflicts      unique values it held twice when collections became one
--                  (document_key_conflicts: the newer document lost the key)
--   newest_utc     the newest document, UTC
--
-- psql variables (-v name=value), each optional:
--   owner_like   LIKE pattern on the owner id (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/collections.sql
--   psql "$DATABASE_URL" -v owner_like='acme%' -f sql/reports/collections.sql

\if :{?owner_like}
\else
\set owner_like '%'
\endif

with docs as (
    select owner_id, environment, collection, count(*) as n, max(created_at) as newest
    from documents where owner_id like :'owner_like' group by 1, 2, 3
    union all
    select owner_id, environment, collection, count(*), max(created_at)
    from archestra.documents where owner_id like :'owner_like' group by 1, 2, 3
), keys as (
    select owner_id, environment, collection,
           string_agg(distinct field, ',' order by field) as fields
    from document_keys where owner_id like :'owner_like' group by 1, 2, 3
    union all
    select owner_id, environment, collection, string_agg(distinct field, ',' order by field)
    from archestra.document_keys where owner_id like :'owner_like' group by 1, 2, 3
), conflicts as (
    select owner_id, environment, collection, count(*) as n
    from document_key_conflicts where owner_id like :'owner_like' group by 1, 2, 3
    union all
    select owner_id, environment, collection, count(*)
    from archestra.document_key_conflicts where owner_id like :'owner_like' group by 1, 2, 3
)
select d.owner_id                                              as owner,
       d.environment                                           as environment,
       d.collection                                            as collection,
       d.n                                                     as documents,
       coalesce(k.fields, '-')                                 as unique_fields,
       coalesce(c.n, 0)                                        as conflicts,
       to_char(d.newest at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as newest_utc
from docs d
left join keys k using (owner_id, environment, collection)
left join conflicts c using (owner_id, environment, collection)
order by d.owner_id, d.environment, d.collection;
