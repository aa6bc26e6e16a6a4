"""host_check hook: every pushed frame against the image its plugin handed over, to see what the
status mark changed (``--hook scripts/host_check_hooks/mark_diff.py``).

``on_ready`` wraps ``display_manager.update_display`` on top of everything (error-status's overlay
included) to keep a copy of ``display_manager.image`` as the plugin left it, and hooks the rig's
frame recorder to learn which frame reached the panel. Per recorded frame: the pixels that differ
(their box and number) go into the frame's ``mark_diff``. ``on_end`` checks that a difference only
ever lies inside the mark's box in the configured corner (``status_mark`` of ``--es-config``,
top-right by default), that error-status's own frames are never marked, and, in the ``healthy``
scenario, that every frame is byte for byte the plugin's own; it writes ``report["mark"]`` and
LED-look pairs (as handed over | as pushed) of the first marked frames to ``<out>/mark_pairs``.
The box is computed here from the documented sizes (3x3 plus a 1-LED border up to 32 rows, 5x5
from 64), independently of the plugin's code.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

local = threading.local()
PAIRS = 6


def expected_box(rig: Any) -> tuple[int, int, int, int] | None:
    config = json.loads(rig.args.es_config) if rig.args.es_config else {}
    corner = config.get("status_mark", "top-right")
    if corner == "off":
        return None
    side = (5 if rig.height >= 64 else 3) + 1
    left = rig.width - side if corner.endswith("right") else 0
    top = rig.height - side if corner.startswith("bottom") else 0
    return (left, top, left + side, top + side)


def on_ready(rig: Any) -> None:
    dm = rig.display_manager
    inner = dm.update_display
    rig.mark_pairs = []
    rig.mark_wrapper = getattr(inner, "__qualname__", repr(inner))  # error-status's overlay, if installed

    def update_display(*args: Any, **kwargs: Any) -> Any:
        try:
            before = dm.image.copy()
        except Exception:
            before = None
        local.recorded = None
        try:
            return inner(*args, **kwargs)
        finally:
            recorded, local.recorded = local.recorded, None
            if recorded is not None and before is not None:
                compare(rig, before, *recorded)

    dm.update_display = update_display
    record = rig._record_frame

    def record_frame(image: Any) -> None:
        record(image)
        with rig.frame_lock:
            local.recorded = (rig.frames[-1], image)

    rig._record_frame = record_frame


def compare(rig: Any, before: Any, frame: dict[str, Any], pushed: Any) -> None:
    import numpy as np
    from PIL import ImageChops

    if before.size != pushed.size:
        frame["mark_diff"] = {"size": [before.size, pushed.size]}
        return
    bbox = ImageChops.difference(before.convert("RGB"), pushed.convert("RGB")).getbbox()
    pixels = 0
    if bbox is not None:
        a, b = np.asarray(before.convert("RGB")), np.asarray(pushed.convert("RGB"))
        pixels = int(np.any(a != b, axis=2).sum())
        if len(rig.mark_pairs) < PAIRS and frame.get("plugin") != "error-status":
            rig.mark_pairs.append((frame["i"], frame["t"], frame.get("plugin"), before, pushed))
    frame["mark_diff"] = {"bbox": list(bbox) if bbox else None, "pixels": pixels}


def on_end(rig: Any, report: dict[str, Any]) -> None:
    from PIL import Image

    led_look = sys.modules["__main__"].led_look  # host_check's, which runs as __main__

    box = expected_box(rig)
    frames = [f for f in rig.frames if "mark_diff" in f]
    others = [f for f in frames if f.get("plugin") != "error-status"]
    ours = [f for f in frames if f.get("plugin") == "error-status"]
    marked = [f for f in others if f["mark_diff"].get("bbox")]
    outside = [f for f in marked if box is None or not inside(f["mark_diff"]["bbox"], box)]
    summary = {
        "under_us": rig.mark_wrapper, "box": box, "frames_compared": len(frames), "other_frames": len(others),
        "other_frames_marked": len(marked), "first_marked_t": marked[0]["t"] if marked else None,
        "max_pixels_changed": max((f["mark_diff"]["pixels"] for f in marked), default=0),
        "marked_outside_box": [(f["i"], f["mark_diff"]["bbox"]) for f in outside[:10]],
        "own_frames": len(ours), "own_frames_marked": sum(1 for f in ours if f["mark_diff"].get("bbox")),
        "size_mismatch": sum(1 for f in frames if "size" in f["mark_diff"]),
    }
    if marked:
        after = [f for f in others if f["t"] >= marked[0]["t"]]
        summary["other_frames_since_first_mark"] = len(after)
        summary["marked_since_first_mark"] = sum(1 for f in after if f["mark_diff"].get("bbox"))
    report["mark"] = summary
    rig.check("mark: only the mark's pixels change", not outside and not summary["size_mismatch"], summary)
    rig.check("mark: error-status's own frames are not marked", summary["own_frames_marked"] == 0)
    if rig.args.scenario == "healthy" and not rig.args.plugins:
        rig.check("mark: healthy frames are byte-identical to the plugin's own", not marked, len(marked))
    pairs = rig.out / "mark_pairs"
    pairs.mkdir(exist_ok=True)
    for index, t, plugin, before, pushed in rig.mark_pairs:
        left, right = led_look(before, 6, 1), led_look(pushed, 6, 1)
        sheet = Image.new("RGB", (left.width * 2 + 12, left.height), (60, 0, 60))
        sheet.paste(left, (0, 0))
        sheet.paste(right, (left.width + 12, 0))
        sheet.save(pairs / f"{index:06d}_{t:08.3f}s_{plugin}.png")
    print(f"mark: {json.dumps(summary)}")


def inside(bbox: list[int], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= bbox[0] and box[1] <= bbox[1] and bbox[2] <= box[2] and bbox[3] <= box[3]
