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

    def handle(self, *args, policy, scale, seed, prefix, counties, projects_per_holder, **opts):
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
                spec=spec, seed=seed, prefix=prefix, projects_per_holder=projects_per_holder
            )
        made = "，".join(f"{k} {v}" for k, v in result.counts.items()) or "已存在，未重复生成"
        self.stdout.write(f"{spec.name}：{made}")
        if result.logins:
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for login in result.logins:
                self.stdout.write(f"  {login.username:<36} {login.role:<12} {login.place}")
