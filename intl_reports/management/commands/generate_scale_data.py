from django.core.management.base import BaseCommand, CommandError

from intl_reports import scale


class Command(BaseCommand):
    help = (
        "Generate a realistic national load for benchmarks: schools under the 22 authorities, "
        "their plans, reports and photos over several 學年度 (see intl_reports/scale.py). "
        "A second run with the same --schools adds nothing; a larger number tops the data up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=4000)
        parser.add_argument("--authorities", type=int, default=len(scale.AUTHORITIES))
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--photo-ratio",
            type=float,
            default=scale.DEFAULT_PHOTO_RATIO,
            help="Share of saved reports with photos (a complete report always has some).",
        )
        parser.add_argument(
            "--accounts",
            type=int,
            default=0,
            metavar="N",
            help=f"Create N school login accounts ({scale.ACCOUNT_PREFIX}0001…) for load tests.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even where DEMO_DATA_ALLOWED is false (a throw-away database only).",
        )

    def handle(self, *args, **options):
        try:
            result = scale.generate(
                schools=options["schools"],
                authorities=options["authorities"],
                years=options["years"],
                seed=options["seed"],
                photo_ratio=options["photo_ratio"],
                accounts=options["accounts"],
                allow_production=options["allow_production"],
                log=self.stdout.write if options["verbosity"] > 0 else (lambda message: None),
            )
        except scale.ScaleDataRefused as error:
            raise CommandError(str(error)) from error
        if result.existing_schools >= options["schools"]:
            self.stdout.write(
                f"{result.existing_schools} scale schools exist already: no school added."
            )
        for name, count in result.created.items():
            self.stdout.write(f"  {name:<20} {count:>8}")
        self.stdout.write(self.style.SUCCESS(f"Done in {result.elapsed:.1f} s."))
        if result.accounts:
            self.stdout.write(
                f"Accounts {result.accounts[0]}…{result.accounts[-1]} "
                f"({len(result.accounts)}), password: {scale.ACCOUNT_PASSWORD}"
            )
