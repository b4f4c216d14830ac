-- A key may be issued with an end of life (POST /v1/parties/{id}/keys {"expires_at"}): from
-- then on it is refused with 401 expired_key, as a revoked key is, without anyone acting.
ALTER TABLE api_keys ADD COLUMN expires_at_ms BIGINT;
