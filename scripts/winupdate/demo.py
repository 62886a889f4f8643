"""``winupdate demo`` (``make demo``): the whole story on the embedded AWS, then nothing left.

Starts the embedded AWS on a free port, applies ``examples/local`` with Terraform (rollback
on failure, a post-update health check), launches three tagged Windows instances (one
stopped, one whose update the embedded AWS is told to fail) and one untagged from the image
the public Windows Server 2022 parameter names, runs ``winupdate run --approve`` as a user
would type it (progress, then the table: two updated, one rolled back to its AMI before),
draws the timeline, and tears everything down whatever happened: instances, AMIs,
snapshots, volumes, the module, the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import WinUpdateError
from .local.control_client import ControlClient
from .run.teardown import remove_instances

WINDOWS_IMAGE_PARAMETER = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
REGION = "us-east-1"
TAG_KEY = "WinUpdate"  # the module's default target_tag_key


def find_repository() -> Path:
    """The checkout ``examples/local`` is in (the package is installed editable from it)."""
    for candidate in (Path.cwd(), *Path(__file__).resolve().parents):
        if (candidate / "examples" / "local" / "main.tf").is_file():
            return candidate
    raise WinUpdateError("winupdate demo runs from a checkout: examples/local/main.tf not found")


def stage(text: str) -> None:
    print(f"\n==> {text}", flush=True)


class Demo:
    def __init__(self, repo: Path, out: Path, speed: float) -> None:
        self.repo = repo
        self.out = out
        self.speed = speed
        self.cleanups: list[tuple[str, Callable[[], None]]] = []

    def run(self) -> int:
        from .local.server import EmbeddedAws

        if shutil.which("terraform") is None:
            raise WinUpdateError("the demo needs Terraform >= 1.7 on PATH")
        started = time.monotonic()
        aws = EmbeddedAws(port=0, speed=self.speed)
        try:
            stage(f"starting the embedded AWS (speed x{self.speed:g})")
            endpoint = aws.start()
            print(f"AWS_ENDPOINT_URL={endpoint}", flush=True)
            env = self.environment(endpoint)
            code = self.story(env)
        finally:
            self.teardown()
            aws.stop()
            print("embedded AWS stopped", flush=True)
        stage(f"done in {time.monotonic() - started:.0f} s; nothing is left running")
        return code

    def environment(self, endpoint: str) -> dict[str, str]:
        from .terraform import aws_endpoint_env

        env = aws_endpoint_env(endpoint, REGION)
        # The CLI below and boto3 here read the same variables a user would export.
        os.environ.update(env)
        return env

    def story(self, env: dict[str, str]) -> int:
        import boto3

        from .terraform import Terraform

        workdir = self.copy_example()
        caller = boto3.client("sts").get_caller_identity()["Arn"]
        # aws:approve takes IAM ARNs; moto answers for the test credentials as an STS user.
        approver = caller.replace(":sts::", ":iam::")
        stage("terraform apply examples/local")
        tf = Terraform(workdir, env=env, variables={"approvers": [approver]})
        self.cleanups.append(("terraform destroy", lambda: self.destroy(tf)))
        tf.init()
        tf.apply()
        outputs = tf.output()
        for name in outputs["document_names"].values():
            print(f"  runbook {name}")
        print(f"  topic   {outputs['sns_topic_arn']}")

        stage("launching Windows instances")
        ids = self.launch_fleet(outputs["instance_profile_name"])
        # Emulator-only: the embedded AWS fails AWS-InstallWindowsUpdates on this instance,
        # so the run shows the safety net: the instance is rolled back to its AMI before.
        ControlClient(env["AWS_ENDPOINT_URL"]).fleet_fault(
            "command_fails", ids["breaks"], document="AWS-InstallWindowsUpdates"
        )
        print(f"  {ids['breaks']}: its update will fail (a fault of the embedded AWS)")

        stage("$ winupdate run --approve")
        run = subprocess.run(
            [sys.executable, "-m", "winupdate.cli", "run", "--approve", "--interval", "0.5"],
            check=False,
        )
        execution_id = self.last_run(outputs["document_names"]["AutomationStart"])

        stage(f"$ winupdate images --instance {ids['stopped']}")
        subprocess.run(
            [sys.executable, "-m", "winupdate.cli", "images", "--instance", ids["stopped"]],
            check=False,
        )
        picture = self.out / "demo-timeline.png"
        stage(f"$ winupdate report {execution_id} --out {picture}")
        self.out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "winupdate.cli", "report", execution_id, "--out", str(picture)],
            check=False,
        )
        return self.outcome(run.returncode, execution_id, ids)

    def outcome(self, code: int, execution_id: str, ids: dict[str, str]) -> int:
        """0 when the story went as told: the instance made to fail was rolled back and
        every other tagged instance was updated; ``winupdate run`` exits 1 for the failure."""
        import boto3

        from .run.aws import Aws
        from .run.executions import Discovery, get_execution, is_rate_control_parent

        ssm = boto3.client("ssm")
        aws = Aws()
        discovery = Discovery(aws)
        start = get_execution(aws, execution_id)
        # Start -> the per-instance runs its run window started (fan_out window, the
        # module's default), or those of its rate-controlled run (fan_out rate_control).
        runs: list[str] = []
        for launched in discovery.launched_by(start):
            if is_rate_control_parent(get_execution(aws, launched)):
                runs += [c["AutomationExecutionId"] for c in discovery.children(launched)]
            else:
                runs.append(launched)
        outcome: dict[str, tuple[str, str]] = {}
        for per_instance in runs:
            execution = ssm.get_automation_execution(AutomationExecutionId=per_instance)[
                "AutomationExecution"
            ]
            instance = (execution.get("Parameters", {}).get("InstanceId") or [""])[0]
            rolled = (execution.get("Outputs", {}).get("ReportFailure.RolledBackTo") or [""])[0]
            outcome[instance] = (execution["AutomationExecutionStatus"], rolled)
        expected = {ids["running"], ids["stopped"], ids["breaks"]}
        updated = all(
            outcome.get(i, ("", ""))[0] == "Success" for i in (ids["running"], ids["stopped"])
        )
        status, rolled = outcome.get(ids["breaks"], ("", ""))
        if (
            set(outcome) == expected
            and updated
            and status == "Failed"
            and rolled.startswith("ami-")
        ):
            print(f"  {ids['breaks']} was rolled back to {rolled}; the other two were updated")
            return 0
        print(f"  the demo did not end as told (run exit {code}): {outcome}", file=sys.stderr)
        return code or 1

    def copy_example(self) -> Path:
        """examples/local in out/, its module source pointed back at the repository, so
        the demo leaves no Terraform state or lock file in the example itself."""
        workdir = self.out / "demo-terraform"
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.copytree(
            self.repo / "examples" / "local",
            workdir,
            ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"),
        )
        main = workdir / "main.tf"
        text = main.read_text(encoding="utf-8")
        source = os.path.relpath(self.repo, workdir)
        main.write_text(text.replace('source = "../.."', f'source = "{source}"'), "utf-8")
        return workdir

    def launch_fleet(self, profile: str) -> dict[str, str]:
        import boto3

        ec2, ssm = boto3.client("ec2"), boto3.client("ssm")
        image = ssm.get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]
        name = ec2.describe_images(ImageIds=[image])["Images"][0]["Name"]
        print(f"  image {image} ({name}) from {WINDOWS_IMAGE_PARAMETER}")
        ids: dict[str, str] = {}
        self.cleanups.append(("instances, AMIs, snapshots", lambda: self.remove(ids)))
        for role, tags in (
            ("running", {TAG_KEY: "ON", "Name": "demo-running"}),
            ("stopped", {TAG_KEY: "ON", "Name": "demo-stopped"}),
            ("breaks", {TAG_KEY: "ON", "Name": "demo-update-fails"}),
            ("untagged", {"Name": "demo-untagged"}),
        ):
            ids[role] = ec2.run_instances(
                ImageId=image,
                MinCount=1,
                MaxCount=1,
                InstanceType="t3.medium",
                IamInstanceProfile={"Name": profile},
                TagSpecifications=[
                    {
                        "ResourceType": "instance",
                        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                    }
                ],
            )["Instances"][0]["InstanceId"]
        wait(lambda: states(ec2, list(ids.values())) == {"running"}, "instances running")
        # Stopped after its agent registered, like an instance that was in use.
        wait(lambda: online(ssm, list(ids.values())), "SSM agents Online")
        ec2.stop_instances(InstanceIds=[ids["stopped"]])
        wait(lambda: states(ec2, [ids["stopped"]]) == {"stopped"}, "instance stopped")
        for role, instance in ids.items():
            tag = "untagged" if role == "untagged" else f"{TAG_KEY}=ON"
            print(f"  {instance}  {tag:<12} {states(ec2, [instance]).pop()}")
        return ids

    def last_run(self, document: str) -> str:
        import boto3

        runs = boto3.client("ssm").describe_automation_executions(
            Filters=[{"Key": "DocumentNamePrefix", "Values": [document]}]
        )["AutomationExecutionMetadataList"]
        if not runs:
            raise WinUpdateError(f"no run of {document} was started")
        return max(runs, key=lambda r: r["ExecutionStartTime"])["AutomationExecutionId"]

    def remove(self, ids: dict[str, str]) -> None:
        import boto3

        problems = remove_instances(
            boto3.client("ec2"), list(ids.values()), say=lambda t: print(f"  {t}")
        )
        if problems:
            raise WinUpdateError("; ".join(problems))

    def destroy(self, tf: Any) -> None:
        if tf.state_resources():
            tf.destroy()
        # Only once nothing is deployed: the state is what a retry would destroy from.
        shutil.rmtree(tf.working_dir, ignore_errors=True)
        print("  module destroyed", flush=True)

    def teardown(self) -> None:
        if not self.cleanups:
            return
        stage("tearing down")
        for what, cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as err:  # one failed clean-up must not skip the others
                print(f"  could not remove {what}: {err}", file=sys.stderr, flush=True)
        self.cleanups.clear()


def states(ec2: Any, ids: list[str]) -> set[str]:
    reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    return {i["State"]["Name"] for r in reservations for i in r["Instances"]}


def online(ssm: Any, ids: list[str]) -> bool:
    found = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": ids}]
    )["InstanceInformationList"]
    return len(found) == len(ids) and all(i["PingStatus"] == "Online" for i in found)


def wait(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise WinUpdateError(f"the demo gave up waiting for {what} after {timeout:g} s")
        time.sleep(0.2)


def run_demo(out: Path, speed: float) -> int:
    repo = find_repository()
    return Demo(repo, out if out.is_absolute() else repo / out, speed).run()
