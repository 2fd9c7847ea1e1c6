-- Documents of the db_insert / db_find / db_update / db_delete tools, in the
-- collections of an owner within an environment ($1 owner, $2 environment,
-- $3 collection in every statement). Table names are unqualified: the
-- runtime's connections (search_path=archestra) run the same statements on
-- its own tables.
--
-- A document's keys (document_keys, one row per declared unique field that
-- has a value) are kept by the same statement that changes the document, so
-- the two never diverge; a taken value is unique_violation (23505).

-- name: doc_insert
with d as (
    insert into documents (id, owner_id, environment, collection, data)
    values ($4::text, $1::text, $2::text, $3::text, $5::jsonb)
    returning id, orx_ts(created_at) as created_at
), k as (
    insert into document_keys (owner_id, environment, collection, field, value, doc_id)
    select $1::text, $2::text, $3::text, f, $5::jsonb ->> f, $4::text
    from json_array_elements_text($6::json) as f
    where $5::jsonb ->> f is not null
)
select id, created_at from d

-- name: doc_find
-- $4 the fields to equal (containment, served by the GIN index), $5 the
-- document's id or null, $6 the limit. Oldest first.
select id, data::text from documents
where owner_id = $1::text and environment = $2::text and collection = $3::text
  and data @> $4::jsonb and ($5::text is null or id = $5::text)
order by seq
limit $6::int

-- name: doc_lock
-- The document whose id is $4, or whose unique field $5 has the value $6,
-- locked for the run's transaction; its id, or no row. doc_update and
-- doc_delete then run as statements of their own: their snapshot is taken
-- after the lock was granted, so they see the document and its keys as the
-- last writer left them (within one statement, a key row a concurrent run
-- changed would still be seen with its old value). A document whose field
-- changed while this waited for the lock no longer matches.
with t as (
    select id from documents
    where owner_id = $1::text and environment = $2::text and collection = $3::text
      and id = $4::text
    union all
    select doc_id from document_keys
    where owner_id = $1::text and environment = $2::text and collection = $3::text
      and field = $5::text and value = $6::text
)
select d.id from documents d join t on t.id = d.id
where d.owner_id = $1::text and d.environment = $2::text and d.collection = $3::text
  and ($5::text is null or d.data ->> $5::text = $6::text)
limit 1
for update of d

-- name: doc_update
-- The document $4 (locked by doc_lock) gets the members of $5 (jsonb ||:
-- members set, others kept; null sets null). Its keys follow: a key whose
-- value changed is updated (23505 if another document holds the new
-- value), a key whose field became null goes. Returns the new document.
with old as (
    select id, data from documents
    where owner_id = $1::text and environment = $2::text and collection = $3::text
      and id = $4::text
), u as (
    update documents d set data = d.data || $5::jsonb
    from old where d.id = old.id
    returning d.id, d.data
), k as (
    update document_keys k set value = u.data ->> k.field
    from old, u, jsonb_object_keys(old.data) as f
    where k.owner_id = $1::text and k.environment = $2::text and k.collection = $3::text
      and k.field = f and k.value = old.data ->> f and k.doc_id = old.id
      and u.data ->> f is not null and u.data ->> f <> k.value
), kd as (
    delete from document_keys k
    using old, u, jsonb_object_keys(old.data) as f
    where k.owner_id = $1::text and k.environment = $2::text and k.collection = $3::text
      and k.field = f and k.value = old.data ->> f and k.doc_id = old.id
      and u.data ->> f is null
)
select u.id, u.data::text from u

-- name: doc_delete
-- The document $4 (locked by doc_lock) goes with its keys. Returns what it
-- held.
with d as (
    delete from documents
    where owner_id = $1::text and environment = $2::text and collection = $3::text
      and id = $4::text
    returning id, data
), k as (
    delete from document_keys k
    using d, jsonb_object_keys(d.data) as f
    where k.owner_id = $1::text and k.environment = $2::text and k.collection = $3::text
      and k.field = f and k.value = d.data ->> f and k.doc_id = d.id
)
select d.id, d.data::text from d

-- name: token_use
-- A single-use link's nonce, recorded once: a second use is 23505.
insert into token_uses (owner_id, environment, nonce, purpose, expires_at)
values ($1::text, $2::text, $3::text, $4::text, to_timestamp($5::bigint))
