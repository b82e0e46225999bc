"""One import per jurisdiction at a time.

An import claims its jurisdiction with one `ImportClaim` row (unique `key`), committed in its own
transaction before it validates and writes, and deletes it when done, whatever happened. A second
import of the same jurisdiction finds the row and is told who started when (on PostgreSQL the
second INSERT waits for the first to commit, then fails on the unique key: two imports at once
never both hold it); a claim older than `ZHAOSHANG_IMPORT_CLAIM_MINUTES` (a process that died
mid-import) is taken over.

Claims of nested places exclude each other too: a city's (or a superuser's, “all”) import and a
county's under it write the same rows. Each import commits its claim first and then looks for
another live claim above or below it; of two at once at least one sees the other and steps back
(both may, and are told to retry), so two overlapping imports never write together.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

BUSY_HINT = "请稍候再试"


class ImportBusy(Exception):
    """Another import of the same jurisdiction is running; the message says whose and since when."""


class ImportClaim(models.Model):
    key = models.CharField("范围", max_length=40, unique=True)  # j<jurisdiction id>, or "all"
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField("表格", max_length=20)
    filename = models.CharField("文件", max_length=255, blank=True)
    started = models.DateTimeField("开始时间")
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = "正在进行的导入"
        verbose_name_plural = "正在进行的导入"

    def __str__(self) -> str:
        return f"{self.key} {self.kind} {self.started:%Y-%m-%d %H:%M}"

    @staticmethod
    def stale_after() -> timedelta:
        return timedelta(minutes=int(getattr(settings, "ZHAOSHANG_IMPORT_CLAIM_MINUTES", 30)))

    @classmethod
    def take(cls, *, jurisdiction, user, kind: str, title: str, filename: str = "") -> ImportClaim:
        """The claim on `jurisdiction` (None: the whole platform, for a superuser without a role),
        committed at once; ImportBusy when another import holds a claim that is not stale."""
        key = f"j{jurisdiction.pk}" if jurisdiction is not None else "all"
        fields = {
            "jurisdiction": jurisdiction,
            "user": user if getattr(user, "pk", None) else None,
            "kind": kind,
            "filename": filename[:255],
        }
        claim = cls._take(key, fields, jurisdiction, title)
        other = claim.overlapping()
        if other is not None:
            claim.release()
            raise ImportBusy(other.busy_message(jurisdiction, title))
        return claim

    @classmethod
    def _take(cls, key: str, fields: dict, jurisdiction, title: str) -> ImportClaim:
        for _ in range(3):
            now = timezone.now()
            token = uuid.uuid4()
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        return cls.objects.create(key=key, started=now, token=token, **fields)
                except IntegrityError:
                    pass
                taken = cls.objects.filter(key=key, started__lt=now - cls.stale_after()).update(
                    started=now, token=token, **fields
                )
                if taken:
                    return cls.objects.get(key=key)
                holder = cls.objects.filter(key=key).select_related("user", "jurisdiction").first()
            if holder is not None:
                raise ImportBusy(holder.busy_message(jurisdiction, title))
        raise ImportBusy(f"正在导入，{BUSY_HINT}")

    def overlapping(self) -> ImportClaim | None:
        """Another live claim on a place above or below this one's (the whole platform's is above
        every place), read after this one is committed."""
        from django.db.models import Q

        live = type(self).objects.exclude(pk=self.pk).filter(started__gte=timezone.now() - self.stale_after())
        if self.jurisdiction is not None:
            path = self.jurisdiction.path
            above = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
            live = live.filter(
                Q(jurisdiction__isnull=True)
                | Q(jurisdiction__path__in=above)
                | Q(jurisdiction__path__startswith=path)
            )
        return live.select_related("user", "jurisdiction").order_by("started").first()

    def busy_message(self, jurisdiction, title: str) -> str:
        place = jurisdiction.name if jurisdiction is not None else "平台"
        who = (self.user.get_full_name() or self.user.username) if self.user else "他人"
        started = timezone.localtime(self.started)
        when = f"{started:%H:%M}" if started.date() == timezone.localdate() else f"{started:%m-%d %H:%M}"
        return (
            f"{place}正在导入（{who} 于 {when} 开始导入{self._title()}），"
            f"同一区划一次只能进行一项导入，{title}表未导入，{BUSY_HINT}"
        )

    def _title(self) -> str:
        from .layouts import LAYOUTS

        layout = LAYOUTS.get(self.kind)
        return f"{layout.title}表" if layout else "表格"

    def release(self) -> None:
        """Delete the claim, unless a stale takeover has made it someone else's."""
        type(self).objects.filter(pk=self.pk, token=self.token).delete()
