-- Closed incidents leave the live layer once, `closed_linger` after closing. Housekeeping used to find
-- them by looking up each closed incident's last event in the log, every 10 s, with no fitting index:
-- its cost grew with the log and with every incident ever closed. A flag, and a partial index that
-- holds only the closed incidents still on the layer, make it a look at a handful of rows.
ALTER TABLE incidents ADD COLUMN on_live_layer boolean NOT NULL DEFAULT true;

UPDATE incidents i
   SET on_live_layer = coalesce((SELECT e.op = 'upsert' FROM live_events e
                                  WHERE e.layer = 'incidents' AND e.feature_id = i.id
                                  ORDER BY e.seq DESC LIMIT 1), false)
 WHERE i.closed_at IS NOT NULL;

CREATE INDEX incidents_leaving_idx ON incidents (closed_at) WHERE on_live_layer AND closed_at IS NOT NULL;
