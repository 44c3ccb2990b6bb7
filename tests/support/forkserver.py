"""The fork server of a test process: one preload for all its uses, holding what its children would import.

The suite's processes fork children from multiprocessing's fork server: an upload's analysis (`ingest_upload`'s
`isolate`: a child per upload, as in production), `run_ingest` with several workers, and the command line run
beside a live server (support/cli_process.py). A process has one fork server, started on first use with the preload
set last (`set_forkserver_preload` sets it for every context), so the suite names it here only.

The analysis imports its decoders where it uses them (issue #16 keeps PyAV out of a serving process), so a fork
server that imported `encore.ingest` alone left every upload's child importing PyAV, numpy, soundfile, Pillow and
mutagen's formats again: ~0.15-0.2 s of CPU and 0.4-2 s of wall per upload at a load of 8, against ~0.05 s of CPU for
the analysis of a 1 s FLAC (docs/benchmarks.md, "Suite time, session 31"). The fork server imports them once; its
children start with them. The test process itself imports none of them for this
(`tests/ingest/test_upload_isolation.py` checks a serving process never maps PyAV, in a fresh interpreter), and
`tests/ingest/test_fork_preload.py` checks that an analysis in a child imports nothing more.
"""

import multiprocessing
import sys

# What the analysis imports where it uses it (encore/ingest/_audio.py, _probe.py,
# _artwork.py; mutagen's `File` imports every format it tries; Pillow's `open` its common plugins).
ANALYSIS_IMPORTS = (
    "av",
    "av.container",
    "av.filter",
    "av.subtitles.stream",
    "numpy",
    "soundfile",
    "encore.ingest._peak",
    "PIL.Image",
    "PIL.ImageOps",
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "PIL.PpmImagePlugin",
    "mutagen.aac",
    "mutagen.ac3",
    "mutagen.aiff",
    "mutagen.apev2",
    "mutagen.asf",
    "mutagen.dsdiff",
    "mutagen.dsf",
    "mutagen.easyid3",
    "mutagen.easymp4",
    "mutagen.flac",
    "mutagen.id3",
    "mutagen.monkeysaudio",
    "mutagen.mp3",
    "mutagen.mp4",
    "mutagen.musepack",
    "mutagen.oggflac",
    "mutagen.oggopus",
    "mutagen.oggspeex",
    "mutagen.oggtheora",
    "mutagen.oggvorbis",
    "mutagen.optimfrog",
    "mutagen.smf",
    "mutagen.tak",
    "mutagen.trueaudio",
    "mutagen.wave",
    "mutagen.wavpack",
)

# "__main__": a child need not import the test run's main module again; the command line: support/cli_process.py
PRELOAD = ["__main__", "encore.cli._main", "encore.ingest", "tests.support.forkserver", *ANALYSIS_IMPORTS]


def use_suite_preload() -> None:
    """Name the suite's preload, for a fork server not yet started (the test process's first fork starts it)."""
    multiprocessing.set_forkserver_preload(PRELOAD)


def imported_by_analysis(paths: list[str], temp_dir: str) -> list[str]:
    """Run in a child of the fork server: analyse each file as an upload's child does; the modules that needed
    importing for it."""
    import os

    from encore.ingest._analyze import Analyzed, Job, analyze

    before = set(sys.modules)
    for i, path in enumerate(paths):
        stat = os.stat(path)
        work = os.path.join(temp_dir, str(i))
        os.mkdir(work)
        result = analyze(Job(path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, temp_dir=work))
        assert isinstance(result, Analyzed), result
    return sorted(set(sys.modules) - before)
