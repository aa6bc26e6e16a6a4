"""An example ``--hook`` for scripts/host_check.py: every function is optional.

    python scripts/host_check.py ... --hook scripts/host_check_plugins/hooks/example_hook.py

``rig`` has ``controller``, ``plugin_manager``, ``display_manager`` (the host's live objects), ``t()``
(seconds since the rig started), ``out`` (the output directory), ``scratch`` (the scratch host root),
``frames``/``dwells``/``turns`` (what was recorded so far) and ``check(name, ok, detail)``; a failed
check makes the exit code 1.
"""


def on_ready(rig):
    """Before run(): the controller is built and the frame hooks are in place."""
    rig.notes.append(f"example hook: modes {rig.controller.available_modes}")


def on_frame(rig, frame):
    """Each recorded frame (on the writer thread), with its stats and 'look' filled in."""


def on_sample(rig, t):
    """Every --sample-interval seconds (on the sampler thread)."""


def on_end(rig, report):
    """After the run, before report.json is written: add checks."""
    state = rig.controller.cache_manager.get("display_current_state", max_age=None)
    rig.check("display_current_state published", isinstance(state, dict), state)
