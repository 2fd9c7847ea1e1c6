-- 008_secrets_key: which key sealed the secrets, so that a missing or
-- replaced key file is refused rather than silently making every stored
-- secret unreadable, and so that a key can be rotated while workers still
-- hold the one it replaces.
--
-- In each schema that seals secrets (public: workflow secrets, Orchestrix;
-- archestra: agent secrets, the runtime, whose connections see only that
-- schema), the same four things:
--
--   secrets_key        one row, made by the first seal ever: the key's
--                      fingerprint (HMAC-SHA256 of a fixed label under the
--                      key, hex; never the key), and after a rotation the
--                      fingerprint of the key it replaced.
--   secrets_key_admit  true when a key of that fingerprint may seal here
--                      (the recorded one, or the previous one while workers
--                      that have not reloaded yet still hold it); the first
--                      call records it. Every seal goes through it, so a
--                      database never holds secrets of two key lineages.
--   sealed_values      the schema's sealed secrets under one set of names
--                      (scope = workflow or agent id), for what treats both
--                      alike: the check at start, rotation, forgetting;
--   sealed_of(scope)   a scope's sealed values as the programs open them,
--                      [[name, key_id, hex, prev_key_id, prev_hex], ...].
--
-- Each sealed value names the key that sealed it (key_id) and may carry a
-- second sealing under the previous key (prev_sealed, prev_key_id), made by
-- a rotation and by workers that hold both keys, so that a worker holding
-- either key opens it. Rows sealed before this migration have no key_id:
-- the first program started with the key adopts them (it opens each one
-- first).

create table secrets_key (
    one         boolean primary key default true check (one),
    current     text not null check (current ~ '^[0-9a-f]{64}$'),
    previous    text check (previous ~ '^[0-9a-f]{64}$'),
    sealed_at   timestamptz not null default now(),
    rotated_at  timestamptz
);
create table archestra.secrets_key (like secrets_key including all);

alter table workflow_secrets
    add column key_id text check (key_id ~ '^[0-9a-f]{64}$'),
    add column prev_sealed bytea,
    add column prev_key_id text check (prev_key_id ~ '^[0-9a-f]{64}$');
alter table archestra.agent_secrets
    add column key_id text check (key_id ~ '^[0-9a-f]{64}$'),
    add column prev_sealed bytea,
    add column prev_key_id text check (prev_key_id ~ '^[0-9a-f]{64}$');

create view sealed_values as
    select server_id as scope, name, sealed, key_id, prev_sealed, prev_key_id
    from workflow_secrets;
create view archestra.sealed_values as
    select agent_id as scope, name, sealed, key_id, prev_sealed, prev_key_id
    from archestra.agent_secrets;

do $$
declare
    s text;
begin
    foreach s in array array['public', 'archestra'] loop
        execute format($f$
            create function %1$I.secrets_key_admit(kid text) returns boolean
            language plpgsql volatile as $b$
            begin
                insert into %1$I.secrets_key (current) values (kid)
                on conflict (one) do nothing;
                return exists (select 1 from %1$I.secrets_key k
                               where kid in (k.current, k.previous));
            end
            $b$;
            create function %1$I.sealed_of(s text) returns json
            language sql stable as $b$
                select coalesce(json_agg(json_build_array(v.name, v.key_id,
                           encode(v.sealed, 'hex'), v.prev_key_id,
                           encode(v.prev_sealed, 'hex')) order by v.name), '[]')
                from %1$I.sealed_values v where v.scope = s
            $b$
        $f$, s);
    end loop;
end
$$;
