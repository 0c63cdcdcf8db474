-- Users, sessions and API tokens; search by name ignoring diacritics; public notices.

-- Users sign in with argon2 password hashes. An admin has every right of the other roles.
CREATE TABLE users (
    id                  bigserial PRIMARY KEY,
    username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{1,39}$'),
    display_name        text NOT NULL DEFAULT '',
    role                text NOT NULL CHECK (role IN ('operator', 'planner', 'admin')),
    password_hash       text NOT NULL,
    disabled            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

-- Server-side sessions. Only a SHA-256 of the cookie's random token is stored.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    address      text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Personal API tokens for scripts and GIS tools (Authorization: Bearer …), stored hashed.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    token_hash   bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,               -- first characters, so a user can tell tokens apart
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Failed sign-ins, for the 5-per-15-minutes limit per user and address.
CREATE TABLE sign_in_failures (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    address   text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_idx ON sign_in_failures (username, address, at);

-- Search that ignores case and Vietnamese diacritics: "nha tho duc ba" finds "Nhà thờ Đức Bà".
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- unaccent() is only STABLE; naming the dictionary makes this wrapper safe to index.
CREATE FUNCTION ioc_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
CREATE INDEX places_name_vi_trgm_idx ON places USING gin (ioc_fold(name_vi) gin_trgm_ops);
CREATE INDEX places_name_en_trgm_idx ON places USING gin (ioc_fold(name_en) gin_trgm_ops);

-- Notices for the public (road works, events, closures), shown on the tourist map.
CREATE TABLE public_notices (
    id          text PRIMARY KEY,
    title_vi    text NOT NULL,
    title_en    text NOT NULL,
    body_vi     text NOT NULL DEFAULT '',
    body_en     text NOT NULL DEFAULT '',
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz,
    geom        geometry(Point, 4326)
);
CREATE INDEX public_notices_geom_idx ON public_notices USING gist (geom);
