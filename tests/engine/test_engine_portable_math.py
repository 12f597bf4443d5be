"""The math that reaches decisions and journals gives the same bits on every processor.

numpy's float64 ``exp``/``log``/``power`` kernels are chosen by CPU at run time (AVX-512 machines
round some results differently); ``violet_engine.portable_math`` replaces them wherever a value
reaches a decision or a journal, and a source check keeps the raw kernels out of those modules.
"""
import ast
import math
from pathlib import Path

import numpy as np
import pytest

import violet_engine
from violet_engine.portable_math import exp, log, power
from violet_engine.sizer import AlphaBetSizer, SizerConfig

ROOT = Path(violet_engine.__file__).parent.parent
#: Modules whose arithmetic reaches a decision, a price or a journal row.
GUARDED = ["violet_engine", "sim/scans", "sim/faults", "sim/recorded", "exchange_mock"]
RAW = {"exp", "log", "power", "log1p", "expm1", "exp2", "log2", "log10", "float_power"}


def test_exp_is_within_one_ulp_of_the_c_library_everywhere_in_range():
    x = np.random.default_rng(11).uniform(-745.0, 709.0, 200_000)
    ref = np.array([math.exp(v) for v in x])
    ulps = np.abs(exp(x) - ref) / np.spacing(ref)
    assert ulps.max() <= 1.0
    assert (ulps == 0).mean() > 0.85


def test_exp_hand_values_and_edges():
    got = exp(np.array([0.0, 1.0, -1.0, math.log(2.0), 710.0, -746.0, np.inf, -np.inf, np.nan]))
    assert got[0] == 1.0 and got[3] == 2.0
    assert abs(got[1] - math.e) <= np.spacing(math.e) and abs(got[2] - 1 / math.e) <= np.spacing(1 / math.e)
    assert got[4] == np.inf and got[5] == 0.0 and got[6] == np.inf and got[7] == 0.0 and np.isnan(got[8])


def test_log_and_power_are_the_c_library_per_element():
    x = np.array([1e-300, 0.5, 1.0, 2.0, 123456.789, 0.0, -1.0, np.nan])
    got = log(x)
    assert list(got[:5]) == [math.log(v) for v in x[:5]]
    assert got[5] == -np.inf and np.isnan(got[6]) and np.isnan(got[7])
    s = np.array([0.0, 0.25, 0.5779258860125988, 1.0])
    assert list(power(s, 3)) == [v ** 3 for v in s]


def test_sizer_gives_the_c_library_value_not_a_simd_one():
    """vel_div -0.03733777158037822 sizes 2.1407219658808683 (pow); s*s*s gives ...868."""
    sizer = AlphaBetSizer(SizerConfig(threshold=-0.02, extreme=-0.05, min_leverage=0.5, max_leverage=9.0,
                                      convexity=3))
    _, conviction = sizer.size(np.array([-0.03733777158037822]))
    assert conviction[0] == 2.1407219658808683


@pytest.mark.parametrize("folder", GUARDED)
def test_no_raw_numpy_transcendentals_where_values_reach_a_journal(folder):
    offenders = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in RAW and isinstance(node.value, ast.Name) \
                    and node.value.id == "np":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} np.{node.attr}")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _array_like(node.left) \
                    and not (isinstance(node.right, ast.Constant) and node.right.value == 2):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} ** on an array")
    assert offenders == []


def _array_like(node: ast.AST) -> bool:
    """``x ** k`` where x is a name or call result (arrays in these modules); constants are fine,
    and so is ``x ** 2`` (numpy squares: one multiplication, the same everywhere)."""
    return not isinstance(node, ast.Constant) and not (isinstance(node, ast.Name) and node.id.isupper())
