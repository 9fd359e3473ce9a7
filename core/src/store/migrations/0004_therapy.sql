-- 0004_therapy: reserved for therapy (battery daily summary, refill log, pump capabilities). Filled in before the first release.
SELECT 1;
