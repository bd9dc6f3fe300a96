"""``spt init``: a commented default workspace, ready to edit (or, with ``--demo``, to run)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.config import CONFIG_NAME, load_config
from pipeline.folders.layout import Workspace, installation_id
from pipeline.resources import WORKSPACE, templates_source


class InitError(Exception):
    pass


DEMO_TRUST = """roots = ["pki/demo-root.pem"]
# Demo only: a timestamper in the service with a demo key, the demo CA's CRL from
# `spt init --demo`, nothing fetched. Real deployments: tsa_url, and leave fetching on.
tsa_key = { pkcs12 = "pki/tsa-demo.p12", passphrase = { file = "pki/tsa-demo.pass" } }
crls = ["pki/demo-root.crl"]
fetch_validation_data = false
"""


def init_workspace(root: Path, *, demo: bool = False, force: bool = False) -> Path:
    """Create a workspace at ``root``; return the path of its ``spt.toml``."""
    root = root.absolute()
    config_path = root / CONFIG_NAME
    if config_path.exists() and not force:
        raise InitError(f"{config_path} already exists (use --force to overwrite the defaults)")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WORKSPACE / CONFIG_NAME, config_path)
    if force or not (root / "pegawai.csv").exists():
        shutil.copyfile(WORKSPACE / "pegawai.csv", root / "pegawai.csv")
    shutil.copytree(templates_source(), root / "templates", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    config = load_config(config_path)
    ws = Workspace(config)
    ws.ensure()
    installation_id(ws.state)  # made here, so that a copy of the workspace keeps it visible
    (root / "pki").mkdir(mode=0o700, exist_ok=True)
    if demo:
        from pipeline.signing.demo_pki import create_demo_pki

        # The demo's QR codes point at the local verification page (`spt web`).
        text = config_path.read_text(encoding="utf-8").replace(
            '# verify_url = "https://spt.diskopukm.kalbarprov.go.id"',
            'verify_url = "http://127.0.0.1:8080"', 1)
        # Validation data without any server: the demo CA's CRL, made now, and an
        # in-process timestamper with a demo TSA key (docs/signing.md).
        text = text.replace('roots = ["pki/demo-root.pem"]\n', DEMO_TRUST, 1)
        config_path.write_text(text, encoding="utf-8")
        config = load_config(config_path)
        create_demo_pki(config)
    return config_path
