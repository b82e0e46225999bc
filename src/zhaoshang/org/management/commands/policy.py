import sys

from django.core.management.base import BaseCommand, CommandError

from zhaoshang.core.changelog import change_context
from zhaoshang.engine import PolicyError, find_policy, list_policies, load_policy


class Command(BaseCommand):
    help = "政策文件：check 校验、load 载入、list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="校验政策文件（不写数据库）；不给参数时校验全部")
        check.add_argument("policies", nargs="*", metavar="FILE|NAME")
        load = sub.add_parser("load", help="校验并载入政策文件：建立行政区划、单位、人员、团队、时期和目标")
        load.add_argument("policies", nargs="+", metavar="FILE|NAME")
        load.add_argument(
            "--dry-run", action="store_true", help="只列出将要做的变更（含将覆盖的办公室修改），不写数据库"
        )
        sub.add_parser("list", help="列出可用的政策文件")

    def handle(self, *args, action, **opts):
        if action == "list":
            for path in list_policies():
                self.stdout.write(f"{path.stem}\t{path}")
            return
        names = opts["policies"] or [p.stem for p in list_policies()]
        failed = 0
        for name in names:
            try:
                path = find_policy(name)
                spec = load_policy(path)
            except PolicyError as exc:
                failed += 1
                for issue in exc.issues:
                    self.stderr.write(str(issue))
                continue
            if action == "check":
                self.stdout.write(
                    f"通过 {spec.name}：{len(spec.teams)} 个团队，{len(spec.units)} 个单位，"
                    f"{len(spec.rules)} 条规则，{len(spec.calendar)} 项报送"
                )
            else:
                from zhaoshang.org.services import policy_load

                with change_context(source="cli"):
                    report = policy_load(spec=spec, dry_run=opts["dry_run"])
                if opts["dry_run"]:
                    self.stdout.write(f"{spec.name} 将做以下变更（{report.summary()}；未写入）：")
                    for change in report.changes:
                        self.stdout.write(f"  {change.describe()}")
                    if report.overrides:
                        self.stdout.write(f"其中 {len(report.overrides)} 项将覆盖办公室在系统中的修改。")
                else:
                    self.stdout.write(f"已载入 {spec.name}（{report.summary()}）")
                    for change in report.overrides:
                        self.stdout.write(f"  已覆盖办公室的修改：{change.describe()}")
        if failed:
            raise CommandError(f"{failed} 个政策文件未通过校验")
        sys.stdout.flush()
