"""Links to a project's media: signed, expiring URLs and where a video is fetched."""
