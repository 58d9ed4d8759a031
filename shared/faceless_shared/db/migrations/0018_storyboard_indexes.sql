-- File retention asks whether any clip still shows an asset as its chosen picture.
CREATE INDEX clips_chosen_image_idx ON clips (chosen_image_id) WHERE chosen_image_id IS NOT NULL;
-- Expired cost holds are deleted by the retention pass.
CREATE INDEX cost_reservations_expires_idx ON cost_reservations (expires_at);
