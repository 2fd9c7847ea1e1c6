-- Owners and API keys.

-- name: auth_key
select id, owner_id, array_to_string(scopes, ',')
from api_keys
where key_hash = $1::text and revoked_at is null

-- name: owner_ensure
insert into owners (id, name) values ($1::text, $2::text)
on conflict (id) do nothing

-- name: key_insert
insert into api_keys (id, owner_id, key_hash, scopes, label)
values ($1::text, $2::text, $3::text, string_to_array($4::text, ','), $5::text)

-- name: key_revoke
update api_keys set revoked_at = now()
where id = $1::text and revoked_at is null
returning id

-- name: key_list
select id, owner_id, array_to_string(scopes, ','), label, orx_ts(created_at),
       coalesce(orx_ts(revoked_at), '')
from api_keys order by created_at, id
