-- Ends the wards still valid on $1 (the day new boundaries begin) the day before it: valid_to is
-- exclusive, so they were valid up to and including 30 June 2025 for $1 = 2025-07-01.
UPDATE admin_areas SET valid_to = $1
 WHERE level = 'ward' AND valid_from < $1 AND (valid_to IS NULL OR valid_to > $1)
