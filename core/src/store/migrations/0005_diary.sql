-- 0005_diary: reserved for the pain diary and medication log. Filled in before the first release.
SELECT 1;
