-- Captions and Ken Burns motion styled by each preset, and a per-project captions switch.
--
-- captions: font (a key of faceless_clip.captions.FONTS), size (of the frame's shorter side),
--   colour, highlight (the word being spoken), outline_colour, outline and shadow (of the size),
--   look ('outline', or 'box' for an opaque box in box_colour), position ('lower': the lower
--   third inside the platform's safe area; 'center'), words (most per phrase, 1-4), uppercase.
-- motion: kinds (taken in turn by clip index: zoom_in, zoom_out, pan_left, pan_right, pan_up,
--   pan_down, none) and strength (how far past the frame the picture is enlarged, 0-0.3).

UPDATE graphics_presets SET style_json = style_json || '{
  "captions": {"font": "bold", "size": 0.075, "colour": "#f7f3ea", "highlight": "#ffb547",
               "outline_colour": "#0b1026", "outline": 0.1, "shadow": 0.05, "look": "outline",
               "position": "lower", "words": 3, "uppercase": true},
  "motion": {"kinds": ["zoom_in", "pan_right", "zoom_out", "pan_left"], "strength": 0.08}
}'::jsonb WHERE name = 'midnight';

UPDATE graphics_presets SET style_json = style_json || '{
  "captions": {"font": "bold", "size": 0.066, "colour": "#2b1a12", "highlight": "#e8542f",
               "outline_colour": "#2b1a12", "outline": 0.0, "shadow": 0.0, "look": "box",
               "box_colour": "#fff4e0", "position": "lower", "words": 4, "uppercase": false},
  "motion": {"kinds": ["zoom_in", "zoom_out"], "strength": 0.06}
}'::jsonb WHERE name = 'sunrise';

UPDATE graphics_presets SET style_json = style_json || '{
  "captions": {"font": "bold", "size": 0.07, "colour": "#e8f6ff", "highlight": "#5ce1ff",
               "outline_colour": "#04182c", "outline": 0.09, "shadow": 0.0, "look": "outline",
               "position": "lower", "words": 3, "uppercase": true},
  "motion": {"kinds": ["pan_right", "zoom_in", "pan_left", "zoom_out"], "strength": 0.06}
}'::jsonb WHERE name = 'blueprint';

UPDATE graphics_presets SET style_json = style_json || '{
  "captions": {"font": "bold", "size": 0.085, "colour": "#f1f1f1", "highlight": "#e63946",
               "outline_colour": "#000000", "outline": 0.08, "shadow": 0.08, "look": "outline",
               "position": "lower", "words": 2, "uppercase": true},
  "motion": {"kinds": ["zoom_in", "pan_down", "zoom_in", "pan_up"], "strength": 0.1}
}'::jsonb WHERE name = 'noir';

UPDATE graphics_presets SET style_json = style_json || '{
  "captions": {"font": "bold", "size": 0.07, "colour": "#fbfff1", "highlight": "#ffd166",
               "outline_colour": "#0b3326", "outline": 0.1, "shadow": 0.04, "look": "outline",
               "position": "lower", "words": 4, "uppercase": false},
  "motion": {"kinds": ["zoom_out", "pan_left", "zoom_in", "pan_right"], "strength": 0.07}
}'::jsonb WHERE name = 'meadow';

ALTER TABLE projects ADD COLUMN captions boolean NOT NULL DEFAULT true;
