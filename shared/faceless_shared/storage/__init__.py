"""Where assets live: local files, Supabase Storage or an S3-compatible store."""
