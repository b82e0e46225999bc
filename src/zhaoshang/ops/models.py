"""Files the platform builds or receives, kept in the database (ops/storage.py).

Several app servers share one PostgreSQL, so a bulletin built by a worker on one machine, an
evidence file uploaded to another and an error workbook kept for its uploader are all readable
from every server, and the database backup carries them with the records that point at them.
"""

from django.db import models


class StoredFile(models.Model):
    name = models.CharField("文件名", max_length=255, unique=True)
    content = models.BinaryField("内容")
    size = models.PositiveBigIntegerField("大小（字节）")
    created = models.DateTimeField("创建时间", auto_now_add=True)
    modified = models.DateTimeField("修改时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "存储文件"
        verbose_name_plural = "存储文件"

    def __str__(self):
        return self.name
