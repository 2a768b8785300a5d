"""The production files (docker-compose.yml, Dockerfile) agree with the code: every image is
pinned, every long-running service is health-checked, and web/worker only set environment
variables that cityhall/settings.py reads. No Docker needed: the files are parsed."""

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"web", "worker", "postgres", "redis", "meilisearch"}
APP_SERVICES = ("web", "worker")
REQUIRED_ENV = {
    "DATABASE_URL", "REDIS_URL", "MEILISEARCH_URL", "MEILISEARCH_API_KEY", "SECRET_KEY",
    "ALLOWED_HOSTS", "DEBUG",
}  # fmt: skip
VERSION_TAG = re.compile(r"^v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$")
EXACT_TAG = re.compile(r"^v?\d+\.\d+\.\d+$")


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services() -> dict:
    return load_compose()["services"]


def settings_env_names() -> set[str]:
    """Names passed to env("NAME") or env.<type>("NAME", ...) in cityhall/settings.py."""
    tree = ast.parse((ROOT / "cityhall" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and is_env_reader(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def is_env_reader(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "env"
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and (func.value.id == "env")
    )


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return env


def image_tag(image: str) -> tuple[str, str]:
    """("postgres", "15.17-bookworm") from "postgres:15.17-bookworm[@sha256:...]"."""
    name, _, tag = image.partition("@")[0].rpartition(":")
    if not name or "/" in tag:  # no tag, or "registry:5000/name" without a tag
        return image.partition("@")[0], ""
    return name, tag


def command_words(service: dict) -> list[str]:
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else [str(word) for word in command]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def dockerfile_instructions(keyword: str) -> list[str]:
    """The Dockerfile's instructions of one kind, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile())
    return [
        line.strip()[len(keyword) :].strip()
        for line in joined.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def test_settings_parser_finds_known_names():
    names = settings_env_names()
    assert {"DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "MEDIA_ROOT", "EMAIL_URL"} <= names


def test_the_five_services_exist(services):
    assert SERVICES <= set(services)


@pytest.mark.parametrize("name", sorted(SERVICES - set(APP_SERVICES)))
def test_image_is_pinned_to_a_version(services, name):
    image = services[name].get("image", "")
    _, tag = image_tag(image)
    assert tag and tag != "latest", f"{name}: {image!r} has no version tag"
    assert VERSION_TAG.match(tag), f"{name}: {image!r} is not pinned to major.minor or finer"


def test_meilisearch_is_pinned_to_an_exact_release(services):
    name, tag = image_tag(services["meilisearch"]["image"])
    assert name == "getmeili/meilisearch"
    assert EXACT_TAG.match(tag), tag


@pytest.mark.parametrize("name,major", [("postgres", "15"), ("redis", "7")])
def test_database_images_stay_on_their_major_version(services, name, major):
    image_name, tag = image_tag(services[name]["image"])
    assert image_name == name
    assert tag.split(".")[0] == major


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_built_from_the_dockerfile(services, name):
    build = services[name].get("build")
    assert build, f"{name} has no build section"
    dockerfile_name = (
        build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    )
    assert dockerfile_name == "Dockerfile"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(services, name):
    check = services[name].get("healthcheck") or {}
    assert not check.get("disable"), f"{name}: healthcheck disabled"
    test = check.get("test")
    assert test and test != ["NONE"], f"{name} has no healthcheck"


def test_healthchecks_test_what_they_claim(services):
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert "/health" in " ".join(services["meilisearch"]["healthcheck"]["test"])


def test_one_shot_services_only_run_before_the_app(services):
    """A service without a healthcheck must be a job that exits (e.g. migrate), and the app
    services wait for it to succeed."""
    for name, service in services.items():
        if name in SERVICES:
            continue
        assert service.get("restart") == "no", f"{name}: not a one-shot service"
        for app in APP_SERVICES:
            depends = services[app].get("depends_on") or {}
            assert depends.get(name, {}).get("condition") == "service_completed_successfully"


def test_migrations_run_before_web_and_worker(services):
    migrate_runs = [
        name for name, service in services.items() if "migrate" in command_words(service)
    ]
    assert migrate_runs, "no service runs migrate"
    for name in migrate_runs:
        if name == "web":
            continue
        for app in APP_SERVICES:
            assert services[app]["depends_on"][name]["condition"] == (
                "service_completed_successfully"
            )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backends(services, name):
    depends = services[name]["depends_on"]
    for backend in ("postgres", "redis", "meilisearch"):
        assert depends[backend]["condition"] == "service_healthy", (name, backend)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_env_names_are_read_by_settings(services, name):
    unknown = set(environment(services[name])) - settings_env_names()
    assert not unknown, f"{name} sets variables settings.py never reads: {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_required_env_is_set(services, name):
    env = environment(services[name])
    missing = {key for key in REQUIRED_ENV if not str(env.get(key) or "").strip()}
    assert not missing, f"{name} lacks {sorted(missing)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_debug_is_off(services, name):
    assert str(environment(services[name])["DEBUG"]).lower() in {"false", "0", "no", "off"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_point_at_the_compose_backends(services, name):
    env = environment(services[name])
    assert "@postgres:" in env["DATABASE_URL"] and env["DATABASE_URL"].startswith("postgres")
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["MEILISEARCH_URL"].startswith("http://meilisearch:7700")


@pytest.mark.parametrize("key", ["SECRET_KEY", "MEILISEARCH_API_KEY", "DATABASE_URL"])
def test_secrets_come_from_the_environment(services, key):
    for name in APP_SERVICES:
        value = str(environment(services[name])[key])
        assert re.search(r"\$\{\w+:\?", value), f"{name}.{key} is not ${{VAR:?}}: {value!r}"


def test_backend_secrets_come_from_the_environment(services):
    postgres = environment(services["postgres"])["POSTGRES_PASSWORD"]
    meili = environment(services["meilisearch"])["MEILI_MASTER_KEY"]
    assert postgres.startswith("${") and meili.startswith("${")


def test_web_runs_daphne_on_all_interfaces(services):
    words = command_words(services["web"])
    assert words[0] == "daphne"
    assert words[-1] == "cityhall.asgi:application"
    assert "0.0.0.0" in words and "8000" in words


def test_worker_runs_the_task_worker(services):
    assert command_words(services["worker"])[-2:] == ["manage.py", "run_worker"]


def test_data_lives_in_named_volumes(services):
    volumes = set(load_compose()["volumes"])
    mounts = {
        name: {str(v).split(":")[0] for v in services[name].get("volumes", [])}
        for name in ("postgres", "meilisearch", "web", "worker")
    }
    assert mounts["postgres"] & volumes
    assert mounts["meilisearch"] & volumes
    assert mounts["web"] & volumes and mounts["web"] == mounts["worker"]


def test_dockerfile_installs_the_lock_with_hashes():
    installs = [run for run in dockerfile_instructions("RUN") if "pip install" in run]
    assert any(
        "--require-hashes" in run
        and "--no-deps" in run
        and re.search(r"-r\s+\S*\brequirements\.lock\b", run)
        for run in installs
    ), installs
    assert not any("requirements-dev.lock" in run for run in installs)


def test_dockerfile_base_images_are_pinned():
    images = [line.split()[0] for line in dockerfile_instructions("FROM")]
    assert images
    for image in images:
        _, tag = image_tag(image)
        assert tag and VERSION_TAG.match(tag) and tag != "latest", image
    assert any(image.startswith("python:3.12.") and "slim" in image for image in images)
    assert any(image.startswith("node:") for image in images)


def test_dockerfile_builds_assets_messages_and_static():
    runs = " ".join(dockerfile_instructions("RUN"))
    assert "npm ci" in runs and "npm run build" in runs
    assert "gettext" in runs and "compilemessages" in runs
    assert re.search(r"DEBUG=false\s+python manage.py collectstatic", runs)


def test_dockerfile_runs_as_a_non_root_user():
    users = dockerfile_instructions("USER")
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_default_command_is_daphne():
    cmd = dockerfile_instructions("CMD")[-1]
    assert "daphne" in cmd and "cityhall.asgi:application" in cmd
