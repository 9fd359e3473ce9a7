-- 0007_card: reserved for the implanted-device ID card, clinic keys and MRI scans. Filled in before the first release.
SELECT 1;
