"""README.md's examples run as they are written there, so they cannot drift from the code."""
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def readme_block(heading, lang):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = text.split(heading, 1)[1]
    return re.search(rf"```{lang}\n(.*?)```", section, re.S).group(1)


def test_the_python_example_runs(tmp_path):
    code = readme_block("## From Python", "python")
    (tmp_path / "example.py").write_text(code)
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert "words/s" in lines[0] and len(lines) == 3
    assert lines[1].startswith("[(") and lines[2].startswith("[(")
    header = (tmp_path / "out" / "vec.txt").read_text().split("\n", 1)[0].split()
    assert int(header[1]) == 100 and int(header[0]) > 1000


def walkthrough_commands():
    """The offline `hw2v` lines of README's "A whole run" block, comments dropped (network lines skipped)."""
    import shlex
    out = []
    for line in readme_block("## A whole run", "bash").splitlines():
        command, _, comment = line.partition("  # ")
        if not command.strip().startswith("hw2v ") or "needs the network" in comment or "after the download" in comment:
            continue
        out.append(shlex.split(command)[1:])
    return out


def test_the_whole_run_block_runs_offline_as_written(tmp_path):
    commands = walkthrough_commands()
    assert commands[0][0] == "demo" and len(commands) >= 6
    for args in commands:
        r = subprocess.run([sys.executable, "-m", "hogwild_w2v", *args], cwd=tmp_path, capture_output=True,
                           text=True, timeout=900)
        assert r.returncode == 0, (args, r.stderr[-2000:])
        assert "Traceback" not in r.stderr
