"""What one uploaded photo costs to check, decode and store: CPU seconds and peak resident memory per image kind.

    python bench/uploads.py [--repeat 3]

Runs images.save_photo in a bare app (no database needed) on generated files: the largest accepted shapes (a
24-megapixel camera JPEG, a 25-megapixel PNG of a few KB, a 25-megapixel noisy PNG) and refused ones (a 39.7-megapixel
PNG of 5 KB, a 400-megapixel 1-bit PNG), each measured in a fresh child process so peaks do not hide each other.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_jpeg(size: tuple[int, int]) -> bytes:
    small = Image.frombytes("RGB", (size[0] // 50, size[1] // 50), os.urandom(size[0] * size[1] * 3 // 2500))
    return encoded(small.resize(size, Image.Resampling.BILINEAR), "JPEG", quality=90)


def noisy_png(size: tuple[int, int]) -> bytes:
    small = Image.frombytes("RGB", (size[0] // 4, size[1] // 4), os.urandom(size[0] * size[1] * 3 // 16))
    return encoded(small.resize(size, Image.Resampling.NEAREST), "PNG", compress_level=1)


SAMPLES = {
    "24 MP camera JPEG (accepted)": lambda: camera_jpeg((6000, 4000)),
    "25 MP flat PNG of a few KB (accepted)": lambda: encoded(Image.new("RGB", (6250, 4000), (9, 9, 9)), "PNG"),
    "25 MP noisy PNG (accepted)": lambda: noisy_png((6250, 4000)),
    "39.7 MP 1-bit PNG of 5 KB (refused)": lambda: encoded(Image.new("1", (7300, 5440)), "PNG"),
    "400 MP 1-bit PNG bomb (refused)": lambda: encoded(Image.new("1", (20000, 20000)), "PNG"),
}


def measure(label: str, data: bytes, folder: str, out) -> None:
    from flask import Flask

    from carsite import images

    app = Flask("bench")
    app.config["UPLOAD_DIR"] = folder
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    with app.app_context():
        try:
            images.save_photo(data)
            outcome = "stored"
        except images.ImageRejected:
            outcome = "refused"
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.send((outcome, cpu, (peak - before) / 1024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for label, make in SAMPLES.items():
            data = make()
            runs = []
            for _ in range(args.repeat):
                receive, send = context.Pipe(duplex=False)
                child = context.Process(target=measure, args=(label, data, folder, send))
                child.start()
                runs.append(receive.recv())
                child.join()
            outcome = runs[0][0]
            cpu = min(r[1] for r in runs)
            memory = max(r[2] for r in runs)
            print(f"{label:42} {len(data) / 1024:9.0f} KB  {outcome:8} {cpu:6.2f} CPU-s  +{memory:5.0f} MB peak")


if __name__ == "__main__":
    main()
