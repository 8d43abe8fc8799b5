"""Where a set of streams keeps its detectors: in memory, within a budget,
and on disk in crash-safe checkpoints.

A checkpoint directory holds::

    checkpoint.json     the manifest: format, package version, the set's
                        parameters, every stream's key, model file and rows
    models/<id>.skops   one detector each (skops: arrays, JSON-like data and
                        the package's trusted types; never pickle)

Model files are never overwritten: each write makes a file of a new name,
and a checkpoint becomes the current one only when its manifest replaces the
previous manifest (``os.replace``, atomic on POSIX and Windows) after every
file it names is complete and flushed to disk. A crash at any point leaves
the previous manifest and the files it names whole. Files no manifest names
(those of detectors evicted since, or of a checkpoint that was interrupted)
are deleted by the next checkpoint.
"""

import json
import os
import uuid
from pathlib import Path

from ..anomaly import HTMAnomalyDetector

#: What a manifest says it is; another value is not a checkpoint of this kind.
FORMAT = "sklearn-htm multi-stream checkpoint"
#: The layout's version (the manifest's keys and the model files' form).
FORMAT_VERSION = 1
MANIFEST = "checkpoint.json"
MODELS = "models"


class CheckpointError(ValueError):
    """A checkpoint directory that cannot be read: not a checkpoint, written by
    another version, or holding a file that is not a trusted detector."""


def _trusted_types():
    from ..persistence import SKOPS_TRUSTED_TYPES

    return list(SKOPS_TRUSTED_TYPES)


def _write_file(path, data):
    """Write ``data`` to a new file and flush it to disk before returning."""
    with open(path, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _sync_directory(path):
    if os.name == "posix":  # a directory cannot be opened on Windows
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def save_model(directory, model):
    """Write ``model`` to a new file under ``directory/models``; returns its
    name relative to ``directory``."""
    import skops.io

    folder = Path(directory) / MODELS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{MODELS}/{uuid.uuid4().hex}.skops"
    _write_file(Path(directory) / name, skops.io.dumps(model))
    return name


def load_model(directory, name, expected):
    """The model in ``directory/name``, loaded without executing code: only
    the package's trusted types (and skops' defaults) are accepted, and the
    model must be an instance of ``expected``.

    Raises
    ------
    CheckpointError
        For a missing or unreadable file, or one holding other types.
    """
    import skops.io

    path = Path(directory) / name
    if not _inside(directory, path):
        raise CheckpointError(f"the checkpoint names a file outside its directory: {name!r}.")
    try:
        data = path.read_bytes()
        untrusted = set(skops.io.get_untrusted_types(data=data)) - set(_trusted_types())
        if untrusted:
            raise CheckpointError(
                f"{path} holds types that are not sklearn-htm's trusted types "
                f"({sorted(untrusted)}); it was not loaded (loading it could run code)."
            )
        model = skops.io.loads(data, trusted=_trusted_types())
    except CheckpointError:
        raise
    except Exception as exc:  # a truncated, foreign or damaged file
        raise CheckpointError(f"{path} is not a readable sklearn-htm model: {exc}") from exc
    if not isinstance(model, expected):
        raise CheckpointError(f"{path} holds a {type(model).__name__}, not a "
                              f"{expected.__name__}.")
    return model


def _inside(directory, path):
    directory = Path(directory).resolve()
    return directory in Path(path).resolve().parents


def write_manifest(directory, manifest):
    """Make ``manifest`` the directory's current checkpoint, atomically (the
    files it names must be complete)."""
    from .. import __version__

    directory = Path(directory)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "sklearn_htm": __version__, **manifest}
    staged = directory / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    _write_file(staged, json.dumps(manifest, indent=1).encode())
    _sync_directory(directory / MODELS)
    os.replace(staged, directory / MANIFEST)
    _sync_directory(directory)


def collect_garbage(directory, keep):
    """Delete the model files and staged manifests of ``directory`` whose
    names are not in ``keep`` (names relative to ``directory``)."""
    directory = Path(directory)
    for path in (directory / MODELS).glob("*.skops"):
        if f"{MODELS}/{path.name}" not in keep:
            path.unlink(missing_ok=True)
    for path in directory.glob(f".{MANIFEST}.*.tmp"):
        path.unlink(missing_ok=True)


def read_manifest(directory):
    """The manifest of the checkpoint in ``directory``.

    Raises
    ------
    CheckpointError
        When there is none, it is not this kind of checkpoint, or another
        format or package version wrote it.
    """
    from .. import __version__

    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise CheckpointError(f"{directory} holds no checkpoint (no {MANIFEST}).")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not a checkpoint manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT}.")
    version = manifest.get("sklearn_htm")
    if manifest.get("format_version") != FORMAT_VERSION or version != __version__:
        raise CheckpointError(
            f"{directory} was written by sklearn-htm {version} (checkpoint format "
            f"{manifest.get('format_version')}); this is sklearn-htm {__version__} (format "
            f"{FORMAT_VERSION}), whose detectors may differ. Restore it with sklearn-htm "
            f"{version}, or start the streams anew."
        )
    return manifest


class DetectorStore:
    """The detectors of a set of streams, by key: at most ``max_resident`` in
    memory (the least recently used beyond that are written to
    ``directory``), the others on disk.

    ``files[key]`` is the file of a stream's latest saved state; a resident
    stream's detector is newer than its file when it is in ``changed``.
    """

    #: What every model file of a set must hold.
    model_type = HTMAnomalyDetector

    def __init__(self, directory=None, max_resident=None):
        self.directory = None if directory is None else os.fspath(directory)
        self.max_resident = max_resident
        self.resident = {}  # key -> detector, least recently used first
        self.files = {}  # key -> model file (relative to directory)
        self.changed = set()  # resident keys learned since their file was written
        # Whose checkpoint the directory holds: named at the set's first checkpoint.
        self.set_id = None
        self.template = None  # the file of the detector every stream clones

    def __contains__(self, key):
        return key in self.resident or key in self.files

    def get(self, key):
        """The detector of ``key`` (loaded if on disk), now the most recently used."""
        detector = self.resident.get(key)
        if detector is None:
            detector = load_model(self.directory, self.files[key], self.model_type)
        else:
            del self.resident[key]
        self.resident[key] = detector  # now the most recently used
        return detector

    def put(self, key, detector, *, changed=True):
        self.resident.pop(key, None)
        self.resident[key] = detector
        if changed:
            self.changed.add(key)

    def template_file(self, template):
        """The file of ``template``, written the first time it is asked for."""
        if self.template is None:
            self.template = save_model(self.directory, template)
        return self.template

    def evict(self, keep=(), limit=None):
        """Write the least recently used detectors beyond the budget (or
        ``limit``) to disk and drop them from memory (never those in
        ``keep``)."""
        limit = self.max_resident if limit is None else limit
        if limit is None:
            return
        for key in list(self.resident):
            if len(self.resident) <= limit:
                break
            if key in keep:
                continue
            self._save(key)
            del self.resident[key]

    def _save(self, key):
        if key in self.changed or key not in self.files:
            self.files[key] = save_model(self.directory, self.resident[key])
            self.changed.discard(key)

    def _check_directory(self):
        """Refuse to replace the checkpoint of another set of streams."""
        path = Path(self.directory) / MANIFEST
        if not path.exists():
            return
        try:
            other = json.loads(path.read_text()).get("set_id")
        except (ValueError, AttributeError, UnicodeDecodeError):
            other = None
        if self.set_id is None or other != self.set_id:
            raise ValueError(
                f"{self.directory} holds the checkpoint of another set of streams; "
                "continue it with MultiStreamDetector.restore(...), or give an empty "
                "checkpoint_dir (delete the directory to discard that checkpoint).")

    def checkpoint(self, keys, settings, template):
        """Save every changed resident detector (and ``template``, the
        detector the streams clone, once), then make a manifest of ``keys``
        (every stream, in order) and ``settings`` the current checkpoint;
        returns the manifest."""
        self._check_directory()
        if self.set_id is None:
            self.set_id = uuid.uuid4().hex
        for key in self.resident:
            self._save(key)
        streams = [{"key": key, "file": self.files[key]} for key in keys]
        manifest = {**settings, "set_id": self.set_id,
                    "detector_file": self.template_file(template), "streams": streams}
        write_manifest(self.directory, manifest)
        collect_garbage(self.directory, {stream["file"] for stream in streams}
                        | {manifest["detector_file"]})
        return manifest
