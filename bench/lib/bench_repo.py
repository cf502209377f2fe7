"""The repository bench/receive pushes: generated with `git fast-import`, deterministic.

Python 3 standard library and git only.
"""

import base64
import random
import subprocess

# Shape of the generated repository: FILES files of LINES_PER_FILE base64 lines (30 KB); each
# commit rewrites LINES_CHANGED random lines of one file. Consecutive commits edit the same file
# (file 0 for the first 50 commits, then file 1, ...) because fast-import deltifies a blob against
# the blob written just before it: so the pack holds real delta chains, as a grown repository
# does, and needs no repack. With 10,000 commits: about 50 MB packed.
FILES = 200
DIRECTORIES = 20
LINES_PER_FILE = 400
LINES_CHANGED = 56
LINE_BYTES = 57  # random bytes per line: 76 base64 characters, which zlib cannot shrink much
SEED = 20240601


def _git(env, *args, cwd=None):
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def fast_import_stream(commits, rng):
    """Yield the fast-import stream: `main` with `commits` commits, then `next` = main + 1."""
    files = [
        [base64.b64encode(rng.randbytes(LINE_BYTES)) for _ in range(LINES_PER_FILE)]
        for _ in range(FILES)
    ]

    def path(index):
        return b"src/d%02d/f%04d.txt" % (index % DIRECTORIES, index)

    def blob(index):
        data = b"\n".join(files[index]) + b"\n"
        return b"M 100644 inline %s\ndata %d\n%s\n" % (path(index), len(data), data)

    def header(ref, number, message):
        stamp = 1_700_000_000 + number * 60
        return (
            b"commit %s\nmark :%d\n"
            b"author Bench <bench@example.com> %d +0000\n"
            b"committer Bench <bench@example.com> %d +0000\n"
            b"data %d\n%s\n" % (ref, number, stamp, stamp, len(message), message)
        )

    yield header(b"refs/heads/main", 1, b"initial import")
    for index in range(FILES):
        yield blob(index)
    for number in range(2, commits + 1):
        index = (number - 2) * FILES // (commits - 1)
        fresh = base64.b64encode(rng.randbytes(LINE_BYTES * LINES_CHANGED))
        lines = files[index]
        for slot, position in enumerate(sorted(rng.sample(range(LINES_PER_FILE), LINES_CHANGED))):
            lines[position] = fresh[slot * 76 : (slot + 1) * 76]
        yield header(b"refs/heads/main", number, b"change %d" % number) + blob(index)

    # The incremental push: one commit that edits one line of one file.
    number = commits + 1
    files[FILES // 2][0] = b"incremental change"
    yield header(b"refs/heads/next", number, b"one more commit") + b"from :%d\n" % commits
    yield blob(FILES // 2)
    yield b"done\n"


def generate(directory, commits, env):
    """Create the repository at `directory`: `main` (`commits` commits) and `next` (one more).

    Raises RuntimeError when git fails.
    """
    _git(env, "init", "-q", "-b", "main", directory)
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=directory,
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    rng = random.Random(SEED)
    batch = []
    size = 0
    for piece in fast_import_stream(commits, rng):
        batch.append(piece)
        size += len(piece)
        if size > 1 << 20:
            importer.stdin.write(b"".join(batch))
            batch, size = [], 0
    importer.stdin.write(b"".join(batch))
    importer.stdin.close()
    errors = importer.stderr.read().decode(errors="replace")
    if importer.wait() != 0:
        raise RuntimeError(f"git fast-import failed:\n{errors}")
    _git(env, "checkout", "-q", "main", cwd=directory)


def pack_size(directory, env):
    """Bytes of packed objects in the repository at `directory`."""
    for line in _git(env, "count-objects", "-v", cwd=directory).splitlines():
        if line.startswith("size-pack:"):
            return int(line.split()[1]) * 1024
    return 0
