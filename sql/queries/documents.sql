-- Documents of the db_insert / db_find tools.

-- name: doc_insert
with d as (
    insert into documents (id, scope, collection, data)
    values ($1::text, $2::text, $3::text, $4::jsonb)
    returning id, orx_ts(created_at) as created_at
), k as (
    insert into document_keys (scope, collection, field, value, doc_id)
    select $2::text, $3::text, f, $4::jsonb ->> f, $1::text
    from json_array_elements_text($5::json) as f
    where $4::jsonb ->> f is not null
)
select id, created_at from d

-- name: doc_find
select id, data::text from documents
where scope = $1::text and collection = $2::text and data @> $3::jsonb
order by seq
limit $4::int
