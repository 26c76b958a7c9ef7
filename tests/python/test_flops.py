"""scalefit.flops: conventions, parameter counts, PF-day conversion. Expected
values are hand arithmetic from the cited formulas (docs/flops.md)."""
import numpy as np
import pytest

import scalefit
from scalefit import flops


def tiny():
    # L = 2, d = 8, H = 2 (key size 4, d_attn 8), d_ff = 4·8 = 32, V = 10, S = 4.
    return flops.Architecture(n_layers=2, d_model=8, n_heads=2, vocab_size=10, seq_len=4)


def chinchilla_70b():
    # Hoffmann et al. 2022, Table 4: 80 layers, d_model 8192, 64 heads,
    # kv size 128, d_ff = 4·d_model; 32K vocabulary, 2048-token sequences.
    return flops.Architecture(n_layers=80, d_model=8192, n_heads=64, kv_size=128,
                              vocab_size=32000, seq_len=2048)


def test_conventions():
    assert flops.conventions() == ["6ND", "kaplan", "hoffmann_detailed"]


def test_units():
    # 1 PF-day = 1e15 FLOP/s × 86400 s (Kaplan et al. 2020, §1.1).
    assert flops.FLOPS_PER_PETAFLOP_DAY == 1e15 * 86400
    assert flops.pf_days_to_flops(1.0) == 8.64e19
    assert flops.flops_to_pf_days(5.76e23) == pytest.approx(5.76e23 / 8.64e19, rel=1e-15)
    np.testing.assert_allclose(flops.flops_to_pf_days([8.64e19, 1.728e20]), [1.0, 2.0])


def test_param_counts_tiny():
    a = tiny()
    # Kaplan §2.1: 2·d·L·(2·d_attn + d_ff) = 2·8·2·(16 + 32) = 1536.
    assert flops.non_embedding_params(a) == 1536
    # V·d = 80.
    assert flops.embedding_params(a) == 80
    assert flops.total_params(a) == 1616


def test_param_counts_chinchilla_70b():
    a = chinchilla_70b()
    # 2·8192·80·(2·8192 + 32768) = 64,424,509,440; embeddings 32000·8192.
    assert flops.non_embedding_params(a) == 2 * 8192 * 80 * (2 * 8192 + 32768)
    assert flops.embedding_params(a) == 32000 * 8192
    assert flops.total_params(a) == 2 * 8192 * 80 * (2 * 8192 + 32768) + 32000 * 8192


def test_6nd():
    # Kaplan et al. 2020 §2.1: C ≈ 6·N·D.
    assert flops.flops_6nd(70e9, 1.4e12) == 6 * 70e9 * 1.4e12
    np.testing.assert_array_equal(flops.flops_6nd([1.0, 2.0], 3.0, k=8.0), [24.0, 48.0])
    assert flops.training_flops("6ND", 70e9, 1.4e12) == 6 * 70e9 * 1.4e12


def test_kaplan_tiny():
    # Kaplan Eq. 2.2 ×3: (6·1536 + 6·L·S·d_attn)·tokens = (9216 + 6·2·4·8)·10.
    assert flops.kaplan_training_flops(tiny(), 10.0) == (9216 + 384) * 10
    assert flops.training_flops("kaplan", D=10.0, arch=tiny()) == (9216 + 384) * 10


def test_hoffmann_tiny():
    # Hoffmann et al. 2022 App. F with S=4, V=10, d=8, H=2, k·H=8, F=32, L=2:
    emb = 2 * 4 * 10 * 8                 # 640
    qkv = 2 * (2 * 3 * 4 * 8 * 8)        # 3072
    logits = 2 * (2 * 4 * 4 * 8)         # 512
    softmax = 2 * (3 * 2 * 4 * 4)        # 192
    reduction = 2 * (2 * 4 * 4 * 8)      # 512
    out = 2 * (2 * 4 * 8 * 8)            # 1024
    dense = 2 * (2 * 4 * (8 * 32 + 8 * 32))  # 8192
    final = 2 * 4 * 8 * 10               # 640
    forward = emb + qkv + logits + softmax + reduction + out + dense + final
    b = flops.hoffmann_breakdown(tiny())
    assert b["forward"] == forward and b["total"] == 3 * forward
    # Per sequence of 4 tokens -> 8 tokens is two sequences.
    assert flops.hoffmann_training_flops(tiny(), 8.0) == 2 * 3 * forward
    assert flops.training_flops("hoffmann_detailed", D=8.0, arch=tiny()) == 2 * 3 * forward


def test_bad_input():
    with pytest.raises(ValueError, match="n_layers"):
        flops.Architecture(n_layers=0, d_model=8, n_heads=2, vocab_size=10, seq_len=4)
    with pytest.raises(ValueError, match="kv_size"):
        flops.Architecture(n_layers=1, d_model=10, n_heads=3, vocab_size=10, seq_len=4)
    with pytest.raises(ValueError, match="row 1"):
        flops.flops_6nd([1.0, -2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="unknown FLOP convention"):
        flops.training_flops("7ND", 1.0, 1.0)
    with pytest.raises(ValueError, match="needs an architecture"):
        flops.training_flops("kaplan", D=1.0)
    with pytest.raises(ValueError, match="tokens"):
        flops.kaplan_training_flops(tiny(), float("nan"))
    with pytest.raises(TypeError):
        flops.total_params("70B")
    with pytest.raises(ValueError, match="lengths must match"):
        flops.flops_6nd([1.0, 2.0], [1.0, 2.0, 3.0])


def test_result_records_convention():
    r = scalefit.from_params("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7,
                                            "alpha": 0.34, "beta": 0.28})
    assert r.flop_convention == "6ND"
    assert "FLOP convention: 6ND" in scalefit.compute_optimal(r, 1e22).report()
