"""Where assets live: local files, Supabase Storage, or a cloud bucket (S3, GCS, Azure)."""
