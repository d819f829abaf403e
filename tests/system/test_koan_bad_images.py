# SPDX-License-Identifier: MIT
"""Koan's domain builder refuses each malformed image with its exact reason
and stops cleanly (exit 3: nothing to run)."""
import importlib.util

import pytest

import qemu_harness as h

_spec = importlib.util.spec_from_file_location(
    "make_bad_images", h.ROOT / "scripts" / "make-bad-images.py")
bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad)

BAD_DIR = h.LOG_DIR / "bad-images"


@pytest.fixture(scope="module")
def bad_images():
    written = bad.write_all(str(BAD_DIR), str(h.ROOT / h.GUEST))
    return {name: str(BAD_DIR / (name + ".elf")) for name in bad.BAD_IMAGES
            if str(BAD_DIR / (name + ".elf")) in written}


def assert_refused(run, domain, reason):
    line = "koan: domain %s: refusing image: %s" % (domain, reason)
    assert run.has_line(line), "missing %r; %s" % (line, run)
    assert not any("panic" in l.lower() for l in run.lines()), run
    assert run.exit_code == 3, run


@pytest.mark.parametrize("name", list(bad.BAD_IMAGES))
def test_malformed_image_is_refused(bad_images, name):
    reason = bad.BAD_IMAGES[name][1]
    path = str(h.ROOT / bad_images[name])
    run = h.run_koan("koan_bad_" + name,
                     h.module(path, "name=bad", "--", "koan-test"))
    assert_refused(run, "bad", reason)


def test_image_too_large_for_its_memory():
    run = h.run_koan("koan_too_large", h.koan_guest(
        "big", options=["mem=" + bad.TOO_LARGE_MEM]))
    assert_refused(run, "big", bad.TOO_LARGE_REASON)
