"""A LiteLLM proxy in front of two fake Ollama servers, and a batch through it with
`--backend openai`: the "beyond a few hosts" set-up of the README, tried end to end.

Needs LiteLLM's proxy (`pip install 'litellm[proxy]'`, best in a virtualenv of its own: it
pins many packages); pass its `litellm` command with --litellm if it is not on PATH.

The script starts two fake Ollama servers (tests/fakes), writes a LiteLLM config routing the
model name `llama3.2` to both (`ollama_chat/llama3.2`, least-busy routing), starts
`litellm --config … --port P`, waits for it, runs

    brainstorm --backend openai --host http://127.0.0.1:P/v1 --model llama3.2 \\
        batch prompts.txt -j 4 --json

and prints each JSON line's status and host, the requests each fake server received, and the
time. Exits 1 unless every prompt completed and both servers were used.

    .venv/bin/python benchmarks/litellm_proxy.py [--prompts 20] [--litellm PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeOllama, free_port  # noqa: E402

BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
KEY = "sk-bench-litellm"
CHUNKS = ["1. A shared tool library.\n", "2. Street-light walks.\n", "3. Seed ", "swaps."]

CONFIG = """model_list:
  - model_name: llama3.2
    litellm_params: {{model: ollama_chat/llama3.2, api_base: "{first}"}}
  - model_name: llama3.2
    litellm_params: {{model: ollama_chat/llama3.2, api_base: "{second}"}}
router_settings:
  routing_strategy: least-busy
general_settings:
  master_key: {key}
"""


def wait_for_proxy(port: int, proxy: subprocess.Popen[bytes], log: Path, limit: float) -> None:
    """Until the proxy answers its model list (LiteLLM takes a while to import)."""
    deadline = time.monotonic() + limit
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {KEY}"}
    )
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            raise SystemExit(f"litellm exited {proxy.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)  # polling another process's start-up: nothing to wait on instead
    raise SystemExit(f"the LiteLLM proxy did not answer within {limit:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--litellm", default=shutil.which("litellm") or "litellm")
    parser.add_argument("--startup", type=float, default=180.0, help="seconds to wait for it")
    args = parser.parse_args()
    if not Path(args.litellm).exists() and shutil.which(args.litellm) is None:
        raise SystemExit(f"no LiteLLM proxy command at {args.litellm!r}: see --help")
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOllama(chunk_delay=0.05) as first,
        FakeOllama(chunk_delay=0.05) as second,
    ):
        work = Path(tmp)
        for fake in (first, second):
            fake.add_model("llama3.2", chunks=CHUNKS)
        config = work / "litellm.yaml"
        config.write_text(CONFIG.format(first=first.url, second=second.url, key=KEY))
        port = free_port()
        log = work / "litellm.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
        with log.open("wb") as out:
            proxy = subprocess.Popen(
                [args.litellm, "--config", str(config), "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            started = time.perf_counter()
            wait_for_proxy(port, proxy, log, args.startup)
            print(f"LiteLLM proxy up on port {port} in {time.perf_counter() - started:.1f} s")
            prompts = work / "prompts.txt"
            prompts.write_text(
                "".join(f"ideas for neighbourhood project {n}\n" for n in range(args.prompts))
            )
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA"))
            }
            env |= {
                "BRAINSTORM_SESSIONS_DIR": str(work / "sessions"),
                "BRAINSTORM_CONFIG": str(work / "no-config.toml"),
                "OPENAI_API_KEY": KEY,
            }
            command = [
                str(BRAINSTORM), "--backend", "openai", "--host",
                f"http://127.0.0.1:{port}/v1", "--model", "llama3.2",
                "batch", str(prompts), "-j", "4", "--json",
            ]  # fmt: skip
            began = time.perf_counter()
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            took = time.perf_counter() - began
        finally:
            proxy.terminate()
            try:
                proxy.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        statuses = Counter(line["status"] for line in lines)
        hosts = Counter(line["host"] for line in lines)
        served = [len(first.requests_to("/api/chat")), len(second.requests_to("/api/chat"))]
    print(f"brainstorm batch through the proxy: exit {result.returncode} in {took:.2f} s")
    print(f"  statuses {dict(statuses)}; host in the JSON lines {dict(hosts)}")
    print(f"  chat requests the two Ollama servers received: {served}")
    if result.returncode != 0:
        print(result.stderr[-2000:])
    ok = statuses == Counter({"completed": args.prompts}) and all(served)
    print("  every prompt completed, both servers used:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
