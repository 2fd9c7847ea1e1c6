-- The secrets key's record (sql/migrations/008_secrets_key.sql). Each
-- statement reads the schema its connection's search_path names: public for
-- Orchestrix, archestra for the runtime (orx-admin sets it per schema).

-- name: secrets_key_get
select current, coalesce(previous, '') from secrets_key

-- name: secrets_key_state
-- $1: the fingerprints the key file holds ('{...}'). Sealed values in all,
-- those sealed before keys were recorded, and those no key of $1 opens.
select coalesce(k.current, ''), coalesce(k.previous, ''),
       (select count(*) from sealed_values),
       (select count(*) from sealed_values where key_id is null),
       (select count(*) from sealed_values v
        where v.key_id is not null and v.key_id <> all ($1::text[])
          and (v.prev_key_id is null or v.prev_key_id <> all ($1::text[])))
from (values (1)) as one (x) left join secrets_key k on true

-- name: sealed_unnamed
select scope, name, encode(sealed, 'hex') from sealed_values
where key_id is null
for update

-- name: sealed_adopt
-- Values sealed before keys were recorded, found to open with key $1.
with named as (
    update sealed_values set key_id = $1::text where key_id is null returning 1
)
insert into secrets_key (current)
select $1::text where exists (select 1 from named)
on conflict (one) do nothing

-- name: sealed_all
select scope, name, coalesce(key_id, ''), encode(sealed, 'hex'),
       coalesce(prev_key_id, ''), coalesce(encode(prev_sealed, 'hex'), '')
from sealed_values
order by scope, name
for update

-- name: sealed_reseal
update sealed_values
set sealed = decode($3::text, 'hex'), key_id = $4::text,
    prev_sealed = decode(nullif($5::text, ''), 'hex'), prev_key_id = nullif($6::text, '')
where scope = $1::text and name = $2::text

-- name: secrets_key_lock
select current, coalesce(previous, '') from secrets_key for update

-- name: secrets_key_rotate
update secrets_key
set current = $1::text, previous = nullif($2::text, ''), rotated_at = now()

-- name: sealed_forget
with gone as (delete from sealed_values returning 1)
select count(*) from gone

-- name: secrets_key_forget
delete from secrets_key

-- name: sealed_schemas
-- The schemas that seal secrets, public first.
select n.nspname from pg_namespace n
where n.nspname in ('public', 'archestra')
  and exists (select 1 from pg_class c
              where c.relnamespace = n.oid and c.relname = 'secrets_key')
order by n.nspname = 'archestra'
