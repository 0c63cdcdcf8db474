-- Closed incidents still on the live layer whose linger ($1 seconds) is over, oldest first, a batch
-- at a time. Answered from `incidents_leaving_idx` alone: never the event log.
SELECT id FROM incidents
 WHERE on_live_layer AND closed_at IS NOT NULL
   AND closed_at <= now() - make_interval(secs => $1)
 ORDER BY closed_at
 LIMIT 500
