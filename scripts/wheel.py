#!/usr/bin/env python3
"""The Python wheels of tap-dixa, from the binaries of a GoReleaser build.

  wheel.py pep440 VERSION
      the PEP 440 form of a version of scripts/version.sh (standard library only)
  wheel.py build --version VERSION --dist dist --out dist/wheels
      one wheel per platform (needs go-to-wheel, pinned in the Makefile)

The wheels are the PyPI package tap-dixa-go: `pip install tap-dixa-go` puts the command
tap-dixa on PATH (go-to-wheel's entry point, which execs the binary inside the package). Each
wheel holds the very binary GoReleaser built and archived (the same bytes, which build checks),
so the wheel, the archive and `tap-dixa --version` agree:

  linux  amd64, arm64   manylinux_2_17 and musllinux_1_2 (one static binary serves both; the
                        tags are go-to-wheel's)
  darwin amd64, arm64   macosx_12_0: Go 1.25 and later need macOS 12 (go-to-wheel's own tags
                        say 10.9 and 11.0, which would install on Macs the binary cannot run on)

go-to-wheel's command line compiles the Go package at the module's root; tap-dixa's main
package is cmd/tap-dixa and its binaries come from GoReleaser, so this script calls its
build_wheel() with each binary instead.
"""

import argparse
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import zipfile

NAME = "tap-dixa-go"
COMMAND = "tap-dixa"
SUMMARY = ("Singer tap for Dixa (conversations, messages, activity logs, analytics and reference data), "
           "a static Go binary packaged for pip and Meltano")
URL = "https://github.com/tap-dixa/tap-dixa"
REQUIRES_PYTHON = ">=3.9"

# (goos, goarch) -> wheel platform tags, with go-to-wheel's platform names for linux.
PLATFORMS = {
    ("linux", "amd64"): ["linux-amd64", "linux-amd64-musl"],
    ("linux", "arm64"): ["linux-arm64", "linux-arm64-musl"],
    ("darwin", "amd64"): ["macosx_12_0_x86_64"],
    ("darwin", "arm64"): ["macosx_12_0_arm64"],
}

ELF_MACHINE = {"amd64": 62, "arm64": 183}
MACHO_CPU = {"amd64": 0x01000007, "arm64": 0x0100000C}

SEMVER = re.compile(
    r"^v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)"
    r"(?:-(?P<pre>alpha|beta|rc|a|b)\.?(?P<pren>\d+))?"
    r"(?:-(?P<count>\d+)-g(?P<hash>[0-9a-f]+))?"
    r"(?P<dirty>-dirty)?$"
)


def fail(msg):
    print(f"wheel.py: {msg}", file=sys.stderr)
    sys.exit(1)


def pep440(version):
    """The PEP 440 version of a git version (scripts/version.sh).

    v0.1.0 -> 0.1.0; v0.2.0-rc.1 -> 0.2.0rc1; n commits after a tag -> a dev release of the
    next patch (or pre-release), with the commit as local label: v0.1.0-3-g1a2b3c4 ->
    0.1.1.dev3+g1a2b3c4, sorting after 0.1.0 and before 0.1.1; uncommitted changes add
    "dirty" to the local label; v0.0.0-unknown -> 0.0.0+unknown.
    """
    if version == "v0.0.0-unknown":
        return "0.0.0+unknown"
    m = SEMVER.match(version)
    if not m:
        raise ValueError(f"not a version of scripts/version.sh: {version!r}")
    major, minor, patch = int(m["major"]), int(m["minor"]), int(m["patch"])
    pre = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc"}.get(m["pre"] or "")
    pren = int(m["pren"]) if m["pren"] else None
    local = []
    dev = ""
    if m["count"] and int(m["count"]) > 0:
        if pre:
            pren += 1
        else:
            patch += 1
        dev = f".dev{int(m['count'])}"
        local.append(f"g{m['hash']}")
    if m["dirty"]:
        local.append("dirty")
    v = f"{major}.{minor}.{patch}" + (f"{pre}{pren}" if pre else "") + dev
    return v + ("+" + ".".join(local) if local else "")


def check_binary(path, goos, goarch):
    """The binary is an executable for goos/goarch; on linux a static one."""
    with open(path, "rb") as f:
        head = f.read(64)
        if goos == "linux":
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                fail(f"{path}: not a 64-bit little-endian ELF file")
            machine, = struct.unpack_from("<H", head, 18)
            if machine != ELF_MACHINE[goarch]:
                fail(f"{path}: ELF machine {machine}, want {ELF_MACHINE[goarch]} ({goarch})")
            phoff, = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ptype, = struct.unpack("<I", f.read(4))
                if ptype in (2, 3):  # PT_DYNAMIC, PT_INTERP
                    fail(f"{path}: dynamically linked (built without CGO_ENABLED=0?)")
        else:
            magic, cpu = struct.unpack_from("<II", head, 0)
            if magic != 0xFEEDFACF or cpu != MACHO_CPU[goarch]:
                fail(f"{path}: not a 64-bit Mach-O executable for {goarch}")


def build(version, dist, out):
    import go_to_wheel  # noqa: PLC0415 (only build needs it)

    public = pep440(version)
    with open(os.path.join(dist, "metadata.json"), encoding="utf-8") as f:
        built = json.load(f)["version"]
    if built != version.removeprefix("v"):
        fail(f"{dist}/ holds version {built}, not {version}: run make release-snapshot")
    with open(os.path.join(dist, "artifacts.json"), encoding="utf-8") as f:
        artifacts = json.load(f)
    binaries = {(a["goos"], a["goarch"]): a["path"] for a in artifacts
                if a["type"] == "Binary" and a.get("extra", {}).get("Binary") == COMMAND}
    if set(binaries) != set(PLATFORMS):
        fail(f"{dist}/artifacts.json has binaries for {sorted(binaries)}, want {sorted(PLATFORMS)}")
    with open("README.md", encoding="utf-8") as f:
        readme = f.read()
    os.makedirs(out, exist_ok=True)
    host = (sys.platform, {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine))
    for (goos, goarch), path in sorted(binaries.items()):
        check_binary(path, goos, goarch)
        if (goos, goarch) == host:
            said = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout.strip()
            if said != f"{COMMAND} {version}":
                fail(f"{path} --version says {said!r}, want {COMMAND} {version!r}")
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        for platform in PLATFORMS[(goos, goarch)]:
            tag = go_to_wheel.PLATFORM_MAPPINGS[platform][2] if platform in go_to_wheel.PLATFORM_MAPPINGS else platform
            whl = go_to_wheel.build_wheel(
                path, out, NAME, public, tag, COMMAND,
                description=SUMMARY, requires_python=REQUIRES_PYTHON, url=URL, readme_content=readme,
            )
            with zipfile.ZipFile(whl) as z:
                inside = hashlib.sha256(z.read(f"tap_dixa_go/bin/{COMMAND}")).hexdigest()
                meta = z.read(f"tap_dixa_go-{public}.dist-info/METADATA").decode()
            if inside != digest:
                fail(f"{whl}: its binary differs from {path}")
            if f"\nVersion: {public}\n" not in meta:
                fail(f"{whl}: METADATA lacks Version: {public}")
            print(f"{whl}  ({goos}/{goarch}, sha256 of tap-dixa {digest[:12]})")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pv = sub.add_parser("pep440")
    pv.add_argument("version")
    pb = sub.add_parser("build")
    pb.add_argument("--version", required=True)
    pb.add_argument("--dist", default="dist")
    pb.add_argument("--out", default="dist/wheels")
    a = p.parse_args()
    try:
        if a.cmd == "pep440":
            print(pep440(a.version))
        else:
            build(a.version, a.dist, a.out)
    except ValueError as e:
        fail(str(e))


if __name__ == "__main__":
    main()
