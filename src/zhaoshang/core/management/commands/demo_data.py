from django.core.management.base import BaseCommand, CommandError

from zhaoshang.engine import PolicyError, find_policy, load_policy


class Command(BaseCommand):
    help = "按政策文件生成演示数据（同一随机种子生成相同数据）；--scale province 生成约100个县的示范省，用于性能测试"

    def add_arguments(self, parser):
        parser.add_argument("--policy", required=True, metavar="NAME")
        parser.add_argument("--scale", choices=["county", "province"], default="county")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--prefix", default=None, help="演示账号的用户名前缀（默认取政策名称，xinfeng-2024 不加前缀）"
        )
        parser.add_argument("--counties", type=int, default=100, help="province 规模时的县数")
        parser.add_argument("--projects-per-holder", type=float, default=2.5)
        parser.add_argument(
            "--no-assess",
            action="store_true",
            help="不计算、发布演示考核结果（默认为主考核期计算并发布一版）",
        )

    def handle(self, *args, policy, scale, seed, prefix, counties, projects_per_holder, no_assess, **opts):
        from zhaoshang.demo.generator import DEMO_PASSWORD, generate_county, generate_province

        try:
            spec = load_policy(find_policy(policy))
        except PolicyError as exc:
            raise CommandError(str(exc)) from None
        if prefix is None:
            prefix = "" if spec.name == "xinfeng-2024" else f"{spec.name}-"
        if scale == "province":
            result = generate_province(
                spec=spec, seed=seed, counties=counties, projects_per_holder=projects_per_holder
            )
        else:
            result = generate_county(
                spec=spec, seed=seed, prefix=prefix, projects_per_holder=projects_per_holder, aftercare=True
            )
        made = "，".join(f"{k} {v}" for k, v in result.counts.items()) or "已存在，未重复生成"
        self.stdout.write(f"{spec.name}：{made}")
        if scale == "county" and not no_assess:
            self._publish_assessments(spec)
        if result.logins:
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for login in result.logins:
                line = f"  {login.username:<36} {login.role:<12} {login.place}"
                if login.secret:
                    line += f"  动态口令密钥 {login.secret}"
                self.stdout.write(line)
            if any(login.secret for login in result.logins):
                self.stdout.write(
                    "  有“动态口令密钥”的账号登录时还须输入动态口令：把密钥添加到任一身份验证器应用，"
                    "或运行 zhaoshang twofactor code 用户名 获取当前口令（仅限演示设备）。"
                )

    def _publish_assessments(self, spec):
        """Published results for the policy's main period (and, for a short campaign, each of
        its months), so that rankings, dashboards and bulletins have something to show on
        the first login. A period that already has a published version is left alone."""
        from zhaoshang.assessment import services
        from zhaoshang.assessment.models import AssessmentRun
        from zhaoshang.core.changelog import change_context
        from zhaoshang.engine.periods import months_in, parse_period
        from zhaoshang.org.models import Policy

        policy = Policy.objects.get(name=spec.name)
        main = parse_period(spec.main_period, spec)
        periods = [spec.main_period]
        if main.months() <= 3:
            periods += [m.key for m in months_in(main)]
        published = []
        with change_context(source="system"):
            for period in periods:
                key = parse_period(period, spec).key or period
                if AssessmentRun.objects.filter(policy=policy, period=key, status="published").exists():
                    continue
                services.publish(services.run(policy, period))
                published.append(key)
        if published:
            self.stdout.write(f"已计算并发布考核结果：{'、'.join(published)}")
