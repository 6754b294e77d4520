-- Wake the workers of queue $1 (delivered at commit of the surrounding transaction, if any).
SELECT pg_notify({channel}, $1)
