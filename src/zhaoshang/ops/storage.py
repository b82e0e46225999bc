"""A Django storage backend that keeps files in the database (`StoredFile`).

`ZHAOSHANG_FILE_STORAGE=database` (the default) makes it the default storage: every file field
(bulletins, evidence) and the error workbooks go through it, so any app server can answer for a
file another one wrote. `filesystem` keeps them under MEDIA_ROOT instead (one server, or a shared
mount). Files are read whole: the platform's files are bounded by the upload and build limits.
"""

from __future__ import annotations

import posixpath
from io import BytesIO

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible


class DatabaseFile(File):
    """A stored file read into memory; closed and opened again (as a FieldFile does on each
    read) it reads the row again, as a file on disk would be."""

    def __init__(self, name, storage, mode="rb"):
        self._storage = storage
        super().__init__(BytesIO(storage._content(name)), name=name)
        self.mode = mode

    def open(self, mode=None):
        if self.closed:
            self.file = BytesIO(self._storage._content(self.name))
        else:
            self.seek(0)
        if mode:
            self.mode = mode
        return self


@deconstructible(path="zhaoshang.ops.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _model(self):
        from .models import StoredFile

        return StoredFile

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("数据库存储的文件只能读取；写入请用 save()")
        return DatabaseFile(name, self, mode)

    def _content(self, name) -> bytes:
        row = self._model().objects.filter(name=name).values_list("content", flat=True).first()
        if row is None:
            raise FileNotFoundError(name)
        return bytes(row)

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        model = self._model()
        while True:
            try:
                with transaction.atomic():
                    model.objects.create(name=name, content=data, size=len(data))
                return name
            except IntegrityError:
                # Another server took the name between get_available_name() and now.
                name = self.get_alternative_name(*posixpath.splitext(name))

    def delete(self, name):
        self._model().objects.filter(name=name).delete()

    def exists(self, name):
        return self._model().objects.filter(name=name).exists()

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        dirs, files = set(), []
        for name in self._model().objects.filter(name__startswith=prefix).values_list("name", flat=True):
            rest = name[len(prefix) :]
            if "/" in rest:
                dirs.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(dirs), sorted(files)

    def size(self, name):
        size = self._model().objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def _time(self, name, field):
        value = self._model().objects.filter(name=name).values_list(field, flat=True).first()
        if value is None:
            raise FileNotFoundError(name)
        return value

    def get_created_time(self, name):
        return self._time(name, "created")

    def get_modified_time(self, name):
        return self._time(name, "modified")

    def get_accessed_time(self, name):
        return self._time(name, "modified")

    def url(self, name):
        # Files are served only through the views that check who may read them.
        raise NotImplementedError("数据库存储的文件须通过带权限检查的下载页面读取")
