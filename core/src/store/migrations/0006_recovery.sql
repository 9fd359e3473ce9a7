-- 0006_recovery: reserved for the post-implant recovery plan, reminders and symptom log. Filled in before the first release.
SELECT 1;
