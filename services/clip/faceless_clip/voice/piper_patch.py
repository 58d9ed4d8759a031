"""A Piper voice patched to report how many audio samples each phoneme took: its ``Ceil``
tensor (the rounded phoneme durations) made a graph output, as ``python -m
piper.patch_voice_with_alignment`` does. That module needs the ``onnx`` package, which the
offline-voice extra does not install, so the same edit is made here on the file's protobuf
encoding: a second ``graph`` field holding only the new output is appended to the model, and
protobuf merges a repeated message field into the first (repeated fields concatenate).

The patched copy lives in the cache folder (never beside the installed voice), named by the
source's path, size and modification time; it is written to a temporary file and renamed into
place, so several workers starting at once each see either no copy or a whole one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_NODE = 1  # GraphProto.node
_GRAPH_OUTPUT = 12  # GraphProto.output
_NODE_OUTPUT = 2  # NodeProto.output
_NODE_OP_TYPE = 4  # NodeProto.op_type
_VALUE_INFO_NAME = 1  # ValueInfoProto.name
_LENGTH_DELIMITED = 2


class UnpatchableVoice(ValueError):
    """A voice file whose phoneme durations cannot be made an output (no single ``Ceil``)."""


def _varint(data: bytes | memoryview, index: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[index]
        index += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, index
        shift += 7


def _fields(data: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(field number, start, end) of each length-delimited field of the message in
    ``data[start:end]``; the other wire types are skipped."""
    index = start
    while index < end:
        key, index = _varint(data, index)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, index = _varint(data, index)
        elif wire_type == 1:
            index += 8
        elif wire_type == 5:
            index += 4
        elif wire_type == _LENGTH_DELIMITED:
            length, index = _varint(data, index)
            yield number, index, index + length
            index += length
        else:
            raise UnpatchableVoice(f"not an ONNX model (wire type {wire_type})")


def _strings(data: memoryview, start: int, end: int, number: int) -> list[str]:
    return [
        bytes(data[begin:stop]).decode()
        for field, begin, stop in _fields(data, start, end)
        if field == number
    ]


def alignment_tensor(model: bytes) -> tuple[str, bool]:
    """The name of the model's ``Ceil`` output tensor, and whether it is already a graph
    output (the voice was patched before)."""
    data = memoryview(model)
    ceil: set[str] = set()
    outputs: list[str] = []
    for field, start, end in _fields(data, 0, len(data)):
        if field != _MODEL_GRAPH:
            continue
        for part, begin, stop in _fields(data, start, end):
            if part == _GRAPH_NODE and _strings(data, begin, stop, _NODE_OP_TYPE) == ["Ceil"]:
                ceil.update(_strings(data, begin, stop, _NODE_OUTPUT))
            elif part == _GRAPH_OUTPUT:
                outputs += _strings(data, begin, stop, _VALUE_INFO_NAME)
    if len(ceil) != 1:
        raise UnpatchableVoice(f"expected one Ceil tensor (the phoneme durations), found {ceil}")
    name = ceil.pop()
    return name, name in outputs


def _field(number: int, payload: bytes) -> bytes:
    encoded = bytearray()
    for value in ((number << 3) | _LENGTH_DELIMITED, len(payload)):
        while value >= 0x80:
            encoded.append((value & 0x7F) | 0x80)
            value >>= 7
        encoded.append(value)
    return bytes(encoded) + payload


def alignment_output(tensor: str) -> bytes:
    """What appending to a model makes ``tensor`` one of its graph's outputs."""
    return _field(_MODEL_GRAPH, _field(_GRAPH_OUTPUT, _field(_VALUE_INFO_NAME, tensor.encode())))


def patched_voice(source: Path, cache_dir: Path) -> Path:
    """The voice at ``source`` with its phoneme durations as an output: ``source`` itself when
    it has them, else the cached patched copy (made now if missing). A cache folder that
    cannot be written (a read-only home in a container) gives way to one in the system's
    temporary folder. Blocking."""
    stat = source.stat()
    stamp = f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    name = f"{source.stem}-aligned-{hashlib.sha256(stamp).hexdigest()[:16]}.onnx"
    fallback = Path(tempfile.gettempdir()) / f"faceless-cache-{os.getuid()}"
    for folder in (cache_dir, fallback):
        if (folder / name).exists():
            return folder / name
    tensor, patched = alignment_tensor(source.read_bytes())
    if patched:
        return source
    try:
        return _write_patched(source, cache_dir / name, tensor)
    except OSError:
        return _write_patched(source, fallback / name, tensor)


def _write_patched(source: Path, target: Path, tensor: str) -> Path:
    """Copy ``source`` to ``target`` with ``tensor`` made an output, atomically."""
    cache_dir = target.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as original:
            shutil.copyfileobj(original, out, 1 << 20)
            out.write(alignment_output(tensor))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target
