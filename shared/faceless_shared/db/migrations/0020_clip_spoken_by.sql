-- The voice that spoke a clip's narration (the voice maker's identity, e.g. espeak:ja:165wpm:phrases
-- or cartesia:sonic-3:<voice id>:ja), set with the clip's audio from the audio asset's
-- meta.spoken_by whenever a voice is made or reused; NULL while the clip has no audio, and for
-- audio made before this.
ALTER TABLE clips ADD COLUMN spoken_by text;
