"""The reference replay (``spec_replay``): SPEC sections 4 and 5 written out again, scalar, from the
SPEC text, and run over every certification run's scans to agree with its journal field by field.

It shares no code with ``violet_engine`` except the scan reader (the scenario's source and
``ScanBatch.row``): its numbers come from the certification profile (``SpecReplaySpec``), so a
drifted engine constant makes the replay disagree instead of moving the yardstick, and a plugged-in
organ is judged by the SPEC, not by itself.

``rules``: the per-scan formulas (validation, stablecoins, signal, sizer, EsoF, haircut, caps,
exits); ``irp``: the IRP selector with its tie-break; ``settings``: what the replay decides with
for one run; ``execute``: the slot, the V4 gates and the exit engine over a run's scans;
``replay``: one run's scans through all of it, compared with its journal (first disagreement).
"""
