"""The OpenAPI request body of an upload route that reads its one file by hand (after its
checks), so FastAPI cannot infer the schema from an ``UploadFile`` parameter."""

from __future__ import annotations

from typing import Any


def single_file_body(description: str) -> dict[str, Any]:
    """``openapi_extra`` for a multipart body whose only field is the file ``file``."""
    file_field = {"type": "string", "format": "binary", "description": description}
    schema = {"type": "object", "required": ["file"], "properties": {"file": file_field}}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }
