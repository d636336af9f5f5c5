import numpy as np
import pytest

from embedding.knn import (
    ZeroVectorError,
    ann_topk,
    auto_method,
    exact_topk,
    grouped_topk,
    ivf_topk,
    recall_at_k,
    topk,
)


def clustered(n: int, d: int, clusters: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d)).astype(np.float32)
    return centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, d)).astype(
        np.float32
    )


def brute(
    vectors: np.ndarray, k: int, same: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Full cosine matrix, self (and other groups) excluded, stable argsort: ties by index."""
    x = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = x @ x.T
    np.fill_diagonal(sim, -np.inf)
    if same is not None:
        sim[~same] = -np.inf
    idx = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    scores = np.take_along_axis(sim, idx, axis=1)
    idx[~np.isfinite(scores)] = -1
    return idx, scores


def test_exact_equals_brute_force() -> None:
    v = clustered(1000, 64)
    got = exact_topk(v, 10, block=97)  # blocks that do not divide n
    idx, scores = brute(v, 10)
    np.testing.assert_array_equal(got.indices, idx)
    np.testing.assert_allclose(got.scores, scores, atol=1e-6)
    assert got.indices.dtype == np.int32 and got.scores.dtype == np.float32


def test_exact_ties_are_broken_by_lower_index() -> None:
    # ±1 vectors of length 16: every cosine is a multiple of 1/8, computed exactly, so ties abound.
    rng = np.random.default_rng(1)
    v = rng.choice([-1.0, 1.0], size=(300, 16)).astype(np.float32)
    v[7] = v[3]  # a duplicate as well
    got = exact_topk(v, 10, block=64)
    idx, scores = brute(v, 10)
    np.testing.assert_array_equal(got.indices, idx)
    np.testing.assert_array_equal(got.scores, scores)
    assert got.indices[3, 0] == 7 and got.scores[3, 0] == 1.0


def test_cutoff_pads_with_minus_one_and_nan() -> None:
    v = clustered(500, 32)
    cutoff = 0.5
    got = exact_topk(v, 10, cutoff)
    idx, scores = brute(v, 10)
    kept = scores >= cutoff
    np.testing.assert_array_equal(got.indices, np.where(kept, idx, -1))
    assert np.all(got.scores[kept] >= cutoff)
    assert np.isnan(got.scores[~kept]).all()
    assert (~kept).any() and kept.any()


def test_k_larger_than_the_rest_is_padded() -> None:
    v = clustered(4, 8)
    got = exact_topk(v, 10)
    assert (got.indices[:, :3] >= 0).all() and (got.indices[:, 3:] == -1).all()
    assert exact_topk(v[:1], 5).indices.tolist() == [[-1] * 5]


def test_zero_vectors_are_rejected() -> None:
    v = clustered(10, 8)
    v[[2, 5]] = 0
    with pytest.raises(ZeroVectorError) as e:
        exact_topk(v, 3)
    assert e.value.rows.tolist() == [2, 5]


def test_bfloat16_candidates_give_the_float32_answer() -> None:
    v = np.maximum(clustered(1500, 256), 0)  # non-negative, like pooled ReLU features
    f32 = exact_topk(v, 10, block=400)
    for candidates in (None, 10):  # 10: few candidates, so many rows take the float32 recompute
        bf16 = exact_topk(v, 10, precision="bfloat16", candidates=candidates, block=400)
        np.testing.assert_array_equal(bf16.indices, f32.indices)
        np.testing.assert_allclose(bf16.scores, f32.scores, atol=1e-6)


def test_bfloat16_candidates_respect_the_cutoff() -> None:
    v = clustered(600, 64)
    f32 = exact_topk(v, 10, 0.5)
    bf16 = exact_topk(v, 10, 0.5, precision="bfloat16")
    np.testing.assert_array_equal(bf16.indices, f32.indices)


def test_grouped_equals_brute_force_within_each_group() -> None:
    v = clustered(800, 32)
    groups = np.random.default_rng(2).choice(
        ["girls", "boys", "men", "solo"], 800, p=[0.5, 0.3, 0.2, 0]
    )
    groups[123] = "solo"  # a group of one has no neighbours
    got = grouped_topk(v, groups, 10)
    idx, scores = brute(v, 10, same=groups[:, None] == groups[None, :])
    np.testing.assert_array_equal(got.indices, idx)
    np.testing.assert_allclose(got.scores[idx >= 0], scores[idx >= 0], atol=1e-6)
    assert (got.indices[123] == -1).all()
    valid = got.indices >= 0
    rows = np.nonzero(valid)[0]
    assert (groups[got.indices[valid]] == groups[rows]).all()


def test_grouped_ann_stays_within_groups() -> None:
    v = clustered(600, 32)
    groups = np.arange(600) % 3
    got = grouped_topk(v, groups, 5, method="ann")
    exact = grouped_topk(v, groups, 5)
    assert recall_at_k(got.indices, exact.indices) >= 0.99
    valid = got.indices >= 0
    assert (groups[got.indices[valid]] == groups[np.nonzero(valid)[0]]).all()


def test_ann_recall_at_10() -> None:
    v = clustered(5000, 256, clusters=100)
    exact = exact_topk(v, 10)
    approx = ann_topk(v, 10)
    assert recall_at_k(approx.indices, exact.indices) >= 0.99
    assert not (approx.indices == np.arange(5000)[:, None]).any()
    # Scores are re-ranked float32 cosines, comparable with the exact ones.
    hit = approx.indices == exact.indices
    np.testing.assert_allclose(approx.scores[hit], exact.scores[hit], atol=1e-6)


def test_ann_cutoff() -> None:
    v = clustered(1000, 32)
    got = ann_topk(v, 10, 0.6)
    assert np.all(got.scores[got.indices >= 0] >= 0.6)
    assert np.isnan(got.scores[got.indices < 0]).all()


def test_topk_dispatches() -> None:
    v = clustered(300, 16)
    assert np.array_equal(topk(v, 5, method="exact").indices, exact_topk(v, 5).indices)
    with pytest.raises(ValueError):
        topk(v, 5, method="gds")  # type: ignore[arg-type]


def test_recall_at_k_counts_only_real_neighbours() -> None:
    exact = np.array([[1, 2, -1], [0, 2, 3]])
    approx = np.array([[2, 5, -1], [3, 2, 0]])
    assert recall_at_k(approx, exact) == pytest.approx(4 / 5)


def test_exact_for_some_rows_equals_those_rows_of_the_whole() -> None:
    v = clustered(700, 32)
    rows = np.array([5, 699, 0, 5, 321])
    whole = exact_topk(v, 10)
    for precision in ("float32", "bfloat16"):
        some = exact_topk(v, 10, rows=rows, precision=precision, block=2)
        np.testing.assert_array_equal(some.indices, whole.indices[rows])


def hard_clustered(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Many small, noisy clusters: a row's neighbours spread over several k-means cells."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n // 20, d)).astype(np.float32)
    noise = rng.standard_normal((n, d)).astype(np.float32)
    return centres[rng.integers(0, len(centres), n)] + noise


def test_ivf_recall_at_10_against_exact() -> None:
    v = clustered(4000, 256, clusters=100)
    exact = exact_topk(v, 10)
    got, report = ivf_topk(v, 10, sample=200)
    assert recall_at_k(got.indices, exact.indices) >= 0.99
    assert report.lists == 63 and report.sampled == 200
    assert report.recall is not None and report.recall >= 0.99
    assert not (got.indices == np.arange(4000)[:, None]).any()
    # Scores are float32 cosines, comparable with the exact ones.
    hit = got.indices == exact.indices
    np.testing.assert_allclose(got.scores[hit], exact.scores[hit], atol=1e-5)


def test_ivf_widens_its_probes_until_the_sampled_recall_is_reached() -> None:
    v = hard_clustered(3000, 128)
    exact = exact_topk(v, 10)
    one, narrow = ivf_topk(v, 10, sample=0, probes=1, max_probes=1)
    assert narrow.recall is None  # not measured without a sample
    got, report = ivf_topk(v, 10, sample=300, probes=1)
    assert recall_at_k(one.indices, exact.indices) < 0.99  # one cell is not enough here
    assert report.probes > 1 and report.recall is not None and report.recall >= 0.99
    assert recall_at_k(got.indices, exact.indices) >= 0.98
    assert recall_at_k(got.indices, exact.indices) > recall_at_k(one.indices, exact.indices)


def test_ivf_probing_every_cell_is_exact() -> None:
    v = hard_clustered(1200, 64)
    got, report = ivf_topk(v, 10, lists=16, probes=16, sample=0)
    exact = exact_topk(v, 10)
    assert report.probes == 16
    assert recall_at_k(got.indices, exact.indices) == 1.0
    np.testing.assert_allclose(got.scores, exact.scores, atol=1e-5)


def test_ivf_cutoff_and_padding() -> None:
    v = clustered(1000, 32)
    got, _ = ivf_topk(v, 10, 0.6)
    assert np.all(got.scores[got.indices >= 0] >= 0.6)
    assert np.isnan(got.scores[got.indices < 0]).all()
    few, _ = ivf_topk(clustered(4, 8), 10)
    assert (few.indices[:, :3] >= 0).all() and (few.indices[:, 3:] == -1).all()


def test_auto_picks_exact_below_the_threshold_and_ivf_from_it() -> None:
    assert auto_method(9_999) == "exact"
    assert auto_method(10_000) == "ivf"
    assert auto_method(500, exact_below=400) == "ivf"
    v = clustered(300, 16)
    assert np.array_equal(topk(v, 5, method="auto").indices, exact_topk(v, 5).indices)
